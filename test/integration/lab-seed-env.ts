/**
 * A lab of this test file's own (redis-server, dynalite, s3rver and the emulator, in
 * process, the emulator on a fixed clock) and read-backs of what a seed left in it, through
 * the same APIs diagnose uses. Shared by the lab-seed integration tests.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeEventsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import { itemSizeBytes } from '../../src/core/size/item-size.js';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import type { LabEndpoints } from '../../src/lab/endpoints.js';
import type { SeedManifest } from '../../src/lab/seed/manifest.js';
import type { LogRecord } from '../../src/lab/seed/model.js';
import { isTurnEntry, logSignals, type Signal } from '../unit/lab-seed-signals.js';
import { LOCAL_AWS, LocalDynamo, LocalS3, startRedis } from '../helpers/services.js';

export interface TestLab {
  endpoints: LabEndpoints;
  redis: Redis;
  emulator: RunningEmulator;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  elasticache: ElastiCacheClient;
  dynamo: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** Starts the four services; the emulator evaluates alarms and windows at `clock()`. */
export async function startTestLab(clock: () => number): Promise<TestLab> {
  const redisServer = await startRedis();
  const dynamo = await new LocalDynamo().start();
  const s3 = await new LocalS3().start();
  const emulator = await startEmulator({ clock });
  // Retries: these clients sit idle between seeds, and a server may close a kept-alive socket
  // just as a request reuses it (ECONNRESET), which the SDK retries as transient.
  const aws = (endpoint: string) => ({ ...LOCAL_AWS, endpoint, maxAttempts: 3 });
  const ddb = new DynamoDBClient(aws(dynamo.endpoint));
  const lab: TestLab = {
    endpoints: { redisUrl: redisServer.server.url, dynamodb: dynamo.endpoint, s3: s3.endpoint, emulator: emulator.endpoint },
    redis: redisServer.client(),
    emulator,
    logs: new CloudWatchLogsClient(aws(emulator.endpoint)),
    cloudwatch: new CloudWatchClient(aws(emulator.endpoint)),
    elasticache: new ElastiCacheClient(aws(emulator.endpoint)),
    dynamo: DynamoDBDocumentClient.from(ddb),
    async stop() {
      for (const c of [lab.logs, lab.cloudwatch, lab.elasticache, ddb]) c.destroy();
      await emulator.stop();
      await s3.stop();
      await dynamo.stop();
      await redisServer.stop();
    },
  };
  return lab;
}

/** Every event of the log group (or those matching `filterPattern`), parsed back into records. */
export async function readLogs(lab: TestLab, m: SeedManifest, filterPattern?: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = await lab.logs.send(
      new FilterLogEventsCommand({ logGroupName: m.resources.logGroup, startTime: m.window.start, endTime: m.now + 1, nextToken, ...(filterPattern ? { filterPattern } : {}) }),
    );
    for (const e of page.events ?? []) out.push({ timestamp: e.timestamp ?? 0, stream: e.logStreamName ?? '', fields: JSON.parse(e.message ?? '{}') as LogRecord['fields'] });
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

export async function alarmStates(lab: TestLab): Promise<Record<string, string>> {
  const out = await lab.cloudwatch.send(new DescribeAlarmsCommand({}));
  return Object.fromEntries((out.MetricAlarms ?? []).map((a) => [a.AlarmName ?? '', a.StateValue ?? '']));
}

export async function cacheEventMessages(lab: TestLab): Promise<string[]> {
  const out = await lab.elasticache.send(new DescribeEventsCommand({ Duration: 60 }));
  return (out.Events ?? []).map((e) => e.Message ?? '');
}

/** All keys matching `pattern` (SCAN, never KEYS). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

export async function sessionItems(lab: TestLab, table = 'manga_sessions'): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await lab.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The scenario signals as the services show them (compare: planSignals in lab-seed-signals.ts). */
export async function serviceSignals(lab: TestLab, m: SeedManifest, logs: readonly LogRecord[]): Promise<Set<Signal>> {
  const s: Set<Signal> = logSignals(logs);
  if ((await cacheEventMessages(lab)).some((msg) => /^Failover from (primary|master) node/.test(msg))) s.add('failover');
  const prefix = `${m.layout.prefix}:session:*`;
  if ((await scanKeys(lab.redis, `${prefix}:lock`)).length > 0) s.add('lock-keys');
  const keys = await scanKeys(lab.redis, prefix);
  const pipe = lab.redis.pipeline();
  for (const k of keys) pipe.pttl(k);
  const ttls = (await pipe.exec()) ?? [];
  if (keys.some((k, i) => !k.endsWith(':lock') && ttls[i]?.[1] === -1)) s.add('missing-ttl');
  for (const k of keys.filter((x) => x.endsWith(':turns'))) {
    if (!(await lab.redis.lrangeBuffer(k, 0, -1)).every((e) => isTurnEntry(e))) s.add('bad-turns');
  }
  if ((await sessionItems(lab)).some((i) => itemSizeBytes(i) > 100 * 1024)) s.add('large-items');
  return s;
}
