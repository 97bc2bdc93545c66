/**
 * Scenario 1, agent memory corruption (seed: Redis deserialization failure). Default
 * `failover`: an ElastiCache failover, then ~40 sessions whose `turns` list holds a
 * truncated or binary entry (some with a good backup, some with none or a corrupt one, a
 * few with no TTL left) and a storm of `session_load_failed` JSONDecodeError events, more
 * than 50 a minute. Variants: `no-event` (same, no ElastiCache event: the race branch),
 * `connection-error` (RedisConnectionError, data intact), `schema-mismatch` (KeyError /
 * TypeError on turns a new deployment wrote in another shape).
 */
import { MINUTE_MS, type SeedContext } from './context.js';
import { healthyConversation, type Conversation } from './conversation.js';
import { fullIncidentMinutes, preIncidentStart, spaced } from './incident-window.js';
import type { CacheFailover, LogRecord, RedisKeyImage, SessionImage, Turn } from './model.js';
import type { Rng } from './rng.js';
import { manifestOf, type ScenarioDefinition, type ScenarioExpectation, type ScenarioResult } from './scenario-types.js';

export const REPLICATION_GROUP = 'manga-sessions';

const ALARM = 'manga_session_errors' as const;
const VARIANTS: Record<string, ScenarioExpectation> = {
  failover: { verdict: 'root-cause', rootCauseId: 'redis-failover-partial-write', path: ['A', 'B', 'C', 'F', 'G', 'I'], alarm: ALARM },
  'no-event': { verdict: 'root-cause', rootCauseId: 'concurrent-write-race', path: ['A', 'B', 'C', 'F', 'H', 'I'], alarm: ALARM },
  'connection-error': { verdict: 'other-runbook', rootCauseId: 's1.D', path: ['A', 'B', 'D'], alarm: ALARM },
  'schema-mismatch': { verdict: 'other-runbook', rootCauseId: 's1.E', path: ['A', 'B', 'E'], alarm: ALARM },
};

const AFFECTED_SESSIONS = 40;
/** Load failures per whole incident minute: comfortably above the alarm's 50. */
const MIN_FAILURES_PER_MINUTE = 60;

export type Corruption = 'truncated' | 'garbled';
export type BackupState = 'good' | 'missing' | 'corrupt';

export interface CorruptSessionDetail {
  id: string;
  corruption: Corruption;
  backup: BackupState;
  /** The turns key has no expiry (the EXPIRE after RPUSH never ran). */
  ttlMissing: boolean;
  /** Entries of the turns list that still parse as turns. */
  validEntries: number;
  totalEntries: number;
}

const turnsKey = (img: SessionImage) => img.redis.find((k) => k.kind === 'turns');

/** A strict prefix of a JSON text: never valid JSON, like a write cut off mid-way. */
function cut(rng: Rng, json: string): string {
  return json.slice(0, rng.int(Math.max(1, Math.floor(json.length * 0.3)), Math.floor(json.length * 0.8)));
}

function corrupt(rng: Rng, conv: Conversation, img: SessionImage, i: number): CorruptSessionDetail {
  const corruption: Corruption = i % 5 < 3 ? 'truncated' : 'garbled';
  const backup: BackupState = (['good', 'good', 'missing', 'corrupt'] as const)[i % 4] as BackupState;
  const ttlMissing = i % 10 === 7;
  const turns = conv.turns;
  const entries: (string | Buffer)[] = turns.map((t) => JSON.stringify(t));
  let good: Turn[];
  if (corruption === 'truncated') {
    // The last RPUSH was cut off mid-entry; the backup still holds the save before it.
    entries[entries.length - 1] = cut(rng, entries[entries.length - 1] as string);
    good = turns.slice(0, -1);
  } else {
    // Bytes that were never UTF-8, let alone JSON (0xFF cannot occur in UTF-8).
    const at = rng.int(1, entries.length - 1);
    entries[at] = Buffer.concat([Buffer.from([0xff, 0xfe]), rng.bytes(rng.int(16, 64))]);
    good = turns;
  }
  const ttl = conv.ttlMs();
  const keys: RedisKeyImage[] = [{ kind: 'turns', type: 'list', entries, ttlMs: ttlMissing ? null : ttl }];
  if (backup === 'good') keys.push({ kind: 'backup', type: 'string', value: JSON.stringify(good), ttlMs: ttl });
  if (backup === 'corrupt') keys.push({ kind: 'backup', type: 'string', value: cut(rng, JSON.stringify(good)), ttlMs: ttl });
  img.redis = [...keys, ...img.redis.filter((k) => k.kind !== 'turns' && k.kind !== 'backup')];
  return { id: conv.id, corruption, backup, ttlMissing, validEntries: entries.length - 1, totalEntries: entries.length };
}

/** The last exchange as a new deployment wrote it: a different turn shape, valid JSON. */
function rewriteSchema(conv: Conversation, img: SessionImage, i: number): { id: string; schema: string; errorType: string } {
  const asObject = i % 2 === 0;
  const recent = conv.turns.slice(-3);
  const older = conv.turns.slice(0, -3);
  const v2 = (t: Turn) =>
    asObject ? JSON.stringify({ schema_version: 2, speaker: t.role, message: { text: t.content }, sent_at: t.ts }) : JSON.stringify([t.role, t.content, t.ts]);
  const key = turnsKey(img);
  if (key && key.type === 'list') key.entries = [...older.map((t) => JSON.stringify(t)), ...recent.map(v2)];
  const backup = img.redis.find((k) => k.kind === 'backup');
  if (backup && backup.type === 'string') backup.value = JSON.stringify(older);
  return { id: conv.id, schema: asObject ? 'v2-object' : 'v2-array', errorType: asObject ? 'KeyError' : 'TypeError' };
}

function failureTimes(rng: Rng, ctx: SeedContext, convs: readonly Conversation[]): Map<Conversation, number[]> {
  const times = new Map<Conversation, number[]>(convs.map((c) => [c, []]));
  for (const c of convs) {
    // Each user retries every 18-40 s once their session stops loading.
    for (let t = rng.int(ctx.incidentStart, ctx.incidentStart + 45_000); t < ctx.now - 2000; t += rng.int(18_000, 40_000)) times.get(c)?.push(t);
  }
  for (const minute of fullIncidentMinutes(ctx)) {
    const inMinute = () => [...times.values()].flat().filter((t) => t >= minute && t < minute + MINUTE_MS).length;
    while (inMinute() < MIN_FAILURES_PER_MINUTE) {
      const c = rng.pick(convs);
      const t = rng.int(minute, minute + MINUTE_MS - 1);
      const mine = times.get(c) ?? [];
      if (spaced(mine, t, 1500)) mine.push(t);
    }
  }
  for (const list of times.values()) list.sort((a, b) => a - b);
  return times;
}

function failureMessage(rng: Rng, variant: string, errorType: string, corruption: Corruption | undefined): string {
  if (variant === 'connection-error') {
    return rng.pick([
      'Error 111 connecting to manga-sessions.x8k2p1.ng.0001.use1.cache.amazonaws.com:6379. Connection refused.',
      'Timeout reading from socket',
      'Connection closed by server.',
    ]);
  }
  if (errorType === 'KeyError') return "'role'";
  if (errorType === 'TypeError') return 'list indices must be integers or slices, not str';
  if (corruption === 'garbled') return 'Expecting value: line 1 column 1 (char 0)';
  const col = rng.int(40, 400);
  return `Unterminated string starting at: line 1 column ${col} (char ${col - 1})`;
}

/** The failover the sessions were being written through: shortly before the errors start. */
function failover(rng: Rng, ctx: SeedContext): CacheFailover {
  return { replicationGroupId: REPLICATION_GROUP, nodeGroupId: '0001', at: ctx.incidentStart - rng.int(20_000, 50_000) };
}

export const scenario1: ScenarioDefinition = {
  scenario: 1,
  name: 'failover',
  variants: VARIANTS,
  generate(rng: Rng, ctx: SeedContext, variant: string): ScenarioResult {
    const convs: Conversation[] = [];
    const images: SessionImage[] = [];
    for (let i = 0; i < AFFECTED_SESSIONS; i++) {
      const conv = healthyConversation(rng, ctx, { start: preIncidentStart(rng, ctx), exchanges: rng.int(1, 4), until: ctx.incidentStart - 10_000 });
      convs.push(conv);
      images.push(conv.image());
    }
    const details: Record<string, unknown> = {};
    const kinds = new Map<string, { errorType: string; corruption?: Corruption }>();
    if (variant === 'failover' || variant === 'no-event') {
      const sessions = convs.map((c, i) => corrupt(rng, c, images[i] as SessionImage, i));
      for (const s of sessions) kinds.set(s.id, { errorType: 'JSONDecodeError', corruption: s.corruption });
      details.sessions = sessions;
    } else if (variant === 'schema-mismatch') {
      const sessions = convs.map((c, i) => rewriteSchema(c, images[i] as SessionImage, i));
      for (const s of sessions) kinds.set(s.id, { errorType: s.errorType });
      details.sessions = sessions;
    } else {
      for (const c of convs) kinds.set(c.id, { errorType: 'RedisConnectionError' });
    }
    const logs: LogRecord[] = convs.flatMap((c) => c.logs);
    for (const [conv, times] of failureTimes(rng, ctx, convs)) {
      const kind = kinds.get(conv.id) ?? { errorType: 'JSONDecodeError' };
      for (const at of times) {
        const turnId = conv.newTurnId();
        logs.push({ timestamp: at, stream: conv.stream, fields: { event: 'request', level: 'INFO', session_id: conv.id, turn_id: turnId, received_at: at } });
        logs.push({
          timestamp: at + rng.int(2, 25), stream: conv.stream,
          fields: { event: 'session_load_failed', level: 'ERROR', session_id: conv.id, turn_id: turnId, error_type: kind.errorType, message: failureMessage(rng, variant, kind.errorType, kind.corruption) },
        });
      }
    }
    details.loadFailures = logs.filter((l) => l.fields.event === 'session_load_failed').length;
    const failovers = variant === 'failover' ? [failover(rng, ctx)] : [];
    if (failovers[0]) details.failoverAt = failovers[0].at;
    return {
      sessions: images,
      logs,
      failovers,
      manifest: manifestOf(scenario1, variant, convs.map((c) => c.id), details),
    };
  },
};
