import { sessionKeys } from '../../core/keys.js';
import { inspectSessionLock, type LockInspection } from '../../core/locking/index.js';
import type { SessionId } from '../../core/session-id.js';
import { rawSessionFromSnapshots, readKeySnapshots, type RawSession } from '../../core/sessions/index.js';
import { decodeSnapshot, type HistorySnapshot } from '../../core/size/index.js';
import type { DynamoItem } from '../../sources/dynamodb.js';
import { insightsQuestion, insightsTime, type InsightsAnswer } from '../logs/questions.js';
import type { Question } from '../types.js';
import type { SessionLogEvent } from './types.js';

/** Entries per LRANGE when a session's list is read in full. */
const CHUNK = 500;

export interface RedisSessionRead {
  raw: RawSession;
  routes: string[];
  pin: string | null;
  state: string | null;
  lock: LockInspection;
}

/** Every Redis key of one session, read concurrently (each key is routed to its node). */
export function sessionRedisRead(id: SessionId): Question<RedisSessionRead> {
  return {
    key: `session.redis.${id}`,
    source: 'redis',
    describe: (env) => `TYPE/PTTL/LRANGE/GET of ${Object.values(sessionKeys(env.layout, id)).join(', ')}`,
    async run(env) {
      const client = await env.sources.redis();
      const keys = sessionKeys(env.layout, id);
      const [snapshots, routes, pin, state, lock] = await Promise.all([
        readKeySnapshots(client, [keys.turns, keys.backup], { chunkSize: CHUNK }),
        client.lrange(keys.routes, 0, 99).catch(() => [] as string[]),
        client.get(keys.pin).catch(() => null),
        client.get(keys.state).catch(() => null),
        inspectSessionLock(client, id, { layout: env.layout }),
      ]);
      return { raw: rawSessionFromSnapshots(id, snapshots.get(keys.turns)!, snapshots.get(keys.backup)!), routes, pin, state, lock };
    },
  };
}

/** The session's `manga_sessions` item (strongly consistent), or undefined. */
export function sessionItem(id: SessionId): Question<DynamoItem | undefined> {
  return {
    key: `session.dynamodb.${id}`,
    source: 'dynamodb',
    describe: (env) => `GetItem ${env.config.names.sessionsTable} session_id=${id}`,
    run: async (env) => (await env.sources.dynamodb()).getSession(id),
  };
}

/** The S3 history snapshot an item points to. */
export function overflowSnapshot(id: SessionId, key: string): Question<HistorySnapshot> {
  return {
    key: `session.s3.${id}.${key}`,
    source: 's3',
    describe: (env) => `GetObject s3://${env.config.names.overflowBucket}/${key}`,
    async run(env) {
      const bucket = env.config.names.overflowBucket;
      const body = await (await env.sources.s3()).getJson(bucket, key);
      // Round-tripped so the codec revives the tagged values (sets, binary, big numbers).
      return decodeSnapshot(JSON.stringify(body), `s3://${bucket}/${key}`);
    },
  };
}

const numOrUndefined = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/**
 * The session's own log events in the window, oldest first, without the response text (the
 * id passed SESSION_ID_PATTERN, so it cannot break out of the quoted string).
 */
export function sessionEvents(id: SessionId): Question<InsightsAnswer<SessionLogEvent>> {
  return insightsQuestion<SessionLogEvent>(
    `session.logs.${id}`,
    `filter session_id = "${id}"
| fields @timestamp, event, level, turn_id, error_type, agent, confidence, tool, status, latency_ms, message
| sort @timestamp asc
| limit 1000`,
    (r) => {
      const at = insightsTime(r['@timestamp']);
      if (at === undefined || !r.event) return undefined;
      const e: SessionLogEvent = { at: new Date(at).toISOString(), event: r.event };
      if (r.turn_id) e.turnId = r.turn_id;
      if (r.level) e.level = r.level;
      if (r.error_type) e.errorType = r.error_type;
      if (r.agent) e.agent = r.agent;
      const confidence = numOrUndefined(r.confidence);
      if (confidence !== undefined) e.confidence = confidence;
      if (r.tool) e.tool = r.tool;
      if (r.status) e.status = r.status;
      const latency = numOrUndefined(r.latency_ms);
      if (latency !== undefined) e.latencyMs = latency;
      if (r.message) e.message = r.message;
      return e;
    },
  );
}
