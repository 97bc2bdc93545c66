import type { Config } from '../../config/schema.js';
import { sessionIdFromKey, sessionScanPattern } from '../../core/keys.js';
import { isValidSessionId } from '../../core/session-id.js';
import { addRawSessionReads, classifyRawSession, rawSessionFromReplies, RAW_SESSION_REPLY_COUNT } from '../../core/sessions/index.js';
import type { SessionHealthStatus } from '../../core/sessions/index.js';
import { attributeMapSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from '../../core/size/index.js';
import { awsClientOptions } from '../../sources/aws-config.js';
import { closeRedis, connectRedis, layoutFromConfig } from '../../sources/redis.js';
import type { SeedManifest } from '../seed/manifest.js';

/**
 * What a seeded lab shows when read back through the same endpoints an engineer would
 * query: alarm states, error log events by type, corrupt sessions in Redis, oversized
 * DynamoDB items. The demo prints these while diagnose is not available; each part is
 * read independently, so one failing source leaves the others intact.
 */
export interface LabSignals {
  alarms: Part<Array<{ name: string; state: string; expected: string | undefined }>>;
  /** Count of log events per signal (e.g. `session_load_failed`). */
  logEvents: Part<Record<string, number>>;
  sessions: Part<{ scanned: number; corrupt: number; byStatus: Partial<Record<SessionHealthStatus, number>> }>;
  items: Part<{ scanned: number; overLimit: number; nearLimit: number; largestBytes: number }>;
}

export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

/** The error-shaped log events of the five runbooks, as CloudWatch Logs filter patterns. */
export const SIGNAL_PATTERNS: Readonly<Record<string, string>> = {
  session_load_failed: '{ $.event = "session_load_failed" }',
  session_save_failed: '{ $.event = "session_save_failed" }',
  state_write_conflict: '{ $.event = "state_write_conflict" }',
  'tool_call (not ok)': '{ $.event = "tool_call" && $.status != "ok" }',
};

async function part<T>(read: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

async function readAlarms(config: Config, manifest: SeedManifest): Promise<NonNullable<Extract<LabSignals['alarms'], { ok: true }>['value']>> {
  const { CloudWatchClient, DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient(await awsClientOptions(config, 'cloudwatch'));
  try {
    const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: [...manifest.resources.alarms] }));
    return (out.MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName ?? '?',
      state: a.StateValue ?? '?',
      expected: manifest.expectedAlarms[a.AlarmName as keyof SeedManifest['expectedAlarms']],
    }));
  } finally {
    client.destroy();
  }
}

async function readLogCounts(config: Config): Promise<Record<string, number>> {
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const client = new CloudWatchLogsClient(await awsClientOptions(config, 'logs'));
  try {
    const counts: Record<string, number> = {};
    for (const [name, filterPattern] of Object.entries(SIGNAL_PATTERNS)) {
      let count = 0;
      let nextToken: string | undefined;
      do {
        const out = await client.send(new FilterLogEventsCommand({ logGroupName: config.names.logGroup, filterPattern, nextToken, limit: 10_000 }));
        count += out.events?.length ?? 0;
        nextToken = out.nextToken;
      } while (nextToken);
      counts[name] = count;
    }
    return counts;
  } finally {
    client.destroy();
  }
}

/** SCANs every `turns` key and classifies the sessions with the core, 500 per pipeline. */
async function readSessions(config: Config): Promise<NonNullable<Extract<LabSignals['sessions'], { ok: true }>['value']>> {
  const { client } = await connectRedis(config, { connectionName: 'manga-oncall-lab-demo' });
  const layout = layoutFromConfig(config);
  try {
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', sessionScanPattern(layout, 'turns'), 'COUNT', config.redis.scanCount);
      cursor = next;
      for (const key of keys) {
        const id = sessionIdFromKey(layout, key);
        if (id !== null) ids.push(id);
      }
    } while (cursor !== '0');
    const byStatus: Partial<Record<SessionHealthStatus, number>> = {};
    const valid = ids.filter(isValidSessionId);
    for (let i = 0; i < valid.length; i += 500) {
      const batch = valid.slice(i, i + 500);
      const pipeline = client.pipeline();
      for (const id of batch) addRawSessionReads(pipeline, layout, id);
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((id, j) => {
        const own = replies.slice(j * RAW_SESSION_REPLY_COUNT, (j + 1) * RAW_SESSION_REPLY_COUNT);
        const status = classifyRawSession(rawSessionFromReplies(layout, id, own)).status;
        byStatus[status] = (byStatus[status] ?? 0) + 1;
      });
    }
    const corrupt = Object.entries(byStatus)
      .filter(([status]) => status.startsWith('corrupt') || status === 'wrong_type')
      .reduce((sum, [, n]) => sum + (n ?? 0), 0);
    return { scanned: valid.length, corrupt, byStatus };
  } finally {
    await closeRedis(client);
  }
}

/** Scans `manga_sessions` and measures each item by DynamoDB's rules (never dynalite's). */
async function readItems(config: Config): Promise<NonNullable<Extract<LabSignals['items'], { ok: true }>['value']>> {
  const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient(await awsClientOptions(config, 'dynamodb'));
  try {
    const result = { scanned: 0, overLimit: 0, nearLimit: 0, largestBytes: 0 };
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const out = await client.send(new ScanCommand({ TableName: config.names.sessionsTable, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) {
        const bytes = attributeMapSizeBytes(item);
        result.scanned++;
        if (bytes > MAX_ITEM_BYTES) result.overLimit++;
        else if (bytes > SAFE_ITEM_BYTES) result.nearLimit++;
        result.largestBytes = Math.max(result.largestBytes, bytes);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return result;
  } finally {
    client.destroy();
  }
}

/** Reads every signal concurrently. */
export async function readLabSignals(config: Config, manifest: SeedManifest): Promise<LabSignals> {
  const [alarms, logEvents, sessions, items] = await Promise.all([
    part(() => readAlarms(config, manifest)),
    part(() => readLogCounts(config)),
    part(() => readSessions(config)),
    part(() => readItems(config)),
  ]);
  return { alarms, logEvents, sessions, items };
}
