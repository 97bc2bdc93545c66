import type { Redis } from 'ioredis';
import { sessionIdFromKey, sessionKeys, type KeyLayout } from '../../core/keys.js';
import { inspectSessionLocks, type LockInspection } from '../../core/locking/index.js';
import { PTTL_MISSING, type RedisKeyType } from '../../core/redis-types.js';
import { parseRouteDecision, type RouteDecision } from '../../core/routing/index.js';
import { isValidSessionId, type SessionId } from '../../core/session-id.js';
import { textIsPlainTurn } from '../../core/turn.js';
import { classifyRawSession, type RawSession, type SessionClassification, type SessionHealthStatus } from '../../core/sessions/index.js';
import { mastersOf } from '../../sources/redis.js';
import type { Question, QuestionEnv } from '../types.js';

/** The session keys the scan reads; `state` and `pin` are not needed to judge the fleet. */
type ScannedKind = 'turns' | 'backup' | 'routes' | 'lock';
const SCANNED = new Set<string>(['turns', 'backup', 'routes', 'lock']);
/** Routing decisions read per session: a loop is more than 3; 100 is far past any limit. */
const MAX_ROUTES_READ = 100;
/** Pipelines in flight per node: enough to keep the link busy, few enough to be polite. */
const PIPELINES_IN_FLIGHT = 4;

/** What the one pass over the session keyspace found. */
export interface FleetScan {
  /** Distinct sessions with at least one key. */
  sessionsSeen: number;
  keysScanned: number;
  /** False when the scan stopped at `limits.maxRedisSessions`. */
  complete: boolean;
  statusCounts: Partial<Record<SessionHealthStatus, number>>;
  /** Sessions that are not healthy (corrupt, wrong type), with the core's verdict on each. */
  unhealthy: SessionClassification[];
  /** Sessions holding a `routes` list: their decisions, oldest first. */
  routes: { sessionId: string; routes: RouteDecision[]; unparsable: number }[];
  /** Sessions holding a `lock` key. */
  locks: LockInspection[];
}

type SessionKeyMap = Map<string, Partial<Record<ScannedKind, string>>>;

/** SCANs one node for session keys, grouping them by session, until the fleet-wide cap. */
async function scanNode(node: Redis, layout: KeyLayout, count: number, seen: Set<string>, cap: number, counters: { keys: number; capped: boolean }): Promise<SessionKeyMap> {
  const found: SessionKeyMap = new Map();
  // The prefix passed the config's [A-Za-z0-9_.-] check: no glob character reaches MATCH.
  const pattern = `${layout.prefix}:session:*`;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    for (const key of keys) {
      const kind = key.slice(key.lastIndexOf(':') + 1);
      if (!SCANNED.has(kind)) continue;
      const id = sessionIdFromKey(layout, key);
      if (id === null || !isValidSessionId(id)) continue;
      if (!seen.has(id)) {
        if (seen.size >= cap) {
          counters.capped = true;
          continue;
        }
        seen.add(id);
      }
      counters.keys++;
      const entry = found.get(id) ?? {};
      entry[kind as ScannedKind] = key;
      found.set(id, entry);
    }
  } while (cursor !== '0' && !counters.capped);
  return found;
}

type Reply = [Error | null, unknown];

/** A reply that must not fail (TYPE, PTTL): a failure there is a server problem. */
function must(reply: Reply | undefined): unknown {
  if (!reply) throw new Error('bug: fewer pipeline replies than commands');
  if (reply[0]) throw reply[0];
  return reply[1];
}
/** A reply that may fail with WRONGTYPE when TYPE already said the key is of another type. */
const soft = (reply: Reply | undefined): unknown => (reply && !reply[0] ? reply[1] : undefined);

interface NodeRead {
  raw: RawSession[];
  routes: FleetScan['routes'];
  /** Sessions whose turns list read plainly as turns: healthy whatever else they hold. */
  healthy: string[];
}

/** Runs `work` over batches, a few pipelines in flight at a time. */
async function inBatches<T>(items: readonly T[], size: number, work: (batch: T[]) => Promise<void>): Promise<void> {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  for (let i = 0; i < batches.length; i += PIPELINES_IN_FLIGHT) await Promise.all(batches.slice(i, i + PIPELINES_IN_FLIGHT).map(work));
}

/**
 * Reads the sessions a node holds in two steps, each one pipeline per batch:
 * 1. LRANGE of the turns list (capped) and of the routes: a list whose every entry reads as
 *    a turn is a healthy session (the core's verdict too: health is the primary's), and
 *    most of the fleet stops here at one command per key;
 * 2. for the others (an entry that is not a turn, a wrong type, a backup without a turns
 *    list), the core's raw reads: TYPE, PTTL, LLEN and LRANGE of the turns, TYPE and PTTL of
 *    the backup. The backup's value is left for later: only the unhealthy need it.
 */
async function readNode(node: Redis, layout: KeyLayout, sessions: SessionKeyMap, batchSize: number, maxEntries: number): Promise<NodeRead> {
  const out: NodeRead = { raw: [], routes: [], healthy: [] };
  const full: string[] = [];
  await inBatches([...sessions.keys()], batchSize, async (batch) => {
    const pipe = node.pipeline();
    for (const id of batch) {
      const k = sessions.get(id)!;
      if (k.turns) pipe.lrange(k.turns, 0, maxEntries - 1);
      if (k.routes) pipe.lrange(k.routes, 0, MAX_ROUTES_READ - 1);
    }
    const replies = ((await pipe.exec()) ?? []) as Reply[];
    let at = 0;
    for (const id of batch) {
      const k = sessions.get(id)!;
      if (k.turns) {
        const entries = soft(replies[at++]) as string[] | undefined;
        if (entries && entries.length > 0 && entries.every(textIsPlainTurn)) out.healthy.push(id);
        else full.push(id);
      } else if (k.backup) full.push(id);
      if (k.routes) {
        const entries = (soft(replies[at++]) as string[] | undefined) ?? [];
        const parsed = entries.map(parseRouteDecision);
        const routes = parsed.filter((r): r is RouteDecision => r !== null);
        if (entries.length > 0) out.routes.push({ sessionId: id, routes, unparsable: entries.length - routes.length });
      }
    }
  });
  await inBatches(full, batchSize, async (batch) => {
    const pipe = node.pipeline();
    for (const id of batch) {
      const k = sessions.get(id)!;
      if (k.turns) pipe.type(k.turns).pttl(k.turns).llen(k.turns).lrangeBuffer(k.turns, 0, maxEntries - 1);
      if (k.backup) pipe.type(k.backup).pttl(k.backup);
    }
    const replies = ((await pipe.exec()) ?? []) as Reply[];
    let at = 0;
    for (const id of batch) {
      const k = sessions.get(id)!;
      const keys = sessionKeys(layout, id as SessionId);
      let turns: RawSession['turns'] = { key: keys.turns, type: 'none', ttlMs: PTTL_MISSING, length: 0, entries: [] };
      let backup: RawSession['backup'] = { key: keys.backup, type: 'none', ttlMs: PTTL_MISSING, value: null };
      if (k.turns) {
        const type = String(must(replies[at])) as RedisKeyType;
        const ttlMs = Number(must(replies[at + 1]));
        const entries = type === 'list' ? ((soft(replies[at + 3]) as Buffer[] | undefined) ?? []) : [];
        const length = type === 'list' ? Number(soft(replies[at + 2]) ?? entries.length) : 0;
        turns = { key: k.turns, type, ttlMs, length, entries };
        at += 4;
      }
      if (k.backup) {
        const type = String(must(replies[at])) as RedisKeyType;
        const ttlMs = Number(must(replies[at + 1]));
        backup = { key: k.backup, type, ttlMs, value: null };
        at += 2;
      }
      out.raw.push({ sessionId: id, turns, backup });
    }
  });
  return out;
}

/** GETs the backups of the sessions that need them, on the node holding each, and fills them in. */
async function readBackups(nodes: readonly Redis[], perNode: readonly SessionKeyMap[], raws: readonly RawSession[], batchSize: number): Promise<void> {
  await Promise.all(
    nodes.map((node, i) => {
      const here = raws.filter((r) => perNode[i]?.get(r.sessionId)?.backup === r.backup.key);
      return inBatches(here, batchSize, async (batch) => {
        const pipe = node.pipeline();
        for (const r of batch) pipe.getBuffer(r.backup.key);
        const replies = ((await pipe.exec()) ?? []) as Reply[];
        batch.forEach((r, j) => {
          const value = soft(replies[j]) as Buffer | null | undefined;
          // Gone or retyped since TYPE: read as absent rather than guessed.
          if (value) r.backup.value = value;
          else r.backup.type = 'none';
        });
      });
    }),
  );
}

/**
 * One bounded pass over the session keyspace, shared by the three Redis probes: SCAN (never
 * KEYS) on every master for `<prefix>:session:*`, then per node one pipeline per batch of
 * sessions reading the turns list (capped per session) and the routes, the core's raw reads
 * of the sessions that did not read plainly healthy, the lock keys through the core's
 * pipelined inspection, and the backups of the unhealthy sessions only. Sessions are
 * classified locally with the core's `classifyRawSession`, so no session costs a round trip
 * of its own.
 */
export const fleetScan: Question<FleetScan> = {
  key: 'redis.fleet',
  source: 'redis',
  describe: (env) => `SCAN MATCH ${env.layout.prefix}:session:* COUNT ${env.config.redis.scanCount}, then pipelined LRANGE per batch of ${env.config.redis.pipelineSize} sessions (TYPE/PTTL/LLEN/GET for the unhealthy)`,
  async run(env: QuestionEnv) {
    const client = await env.sources.redis();
    const nodes = mastersOf(client);
    const seen = new Set<string>();
    const counters = { keys: 0, capped: false };
    const perNode = await Promise.all(nodes.map((n) => scanNode(n, env.layout, env.config.redis.scanCount, seen, env.limits.maxRedisSessions, counters)));
    const lockIds = perNode.flatMap((m) => [...m].filter(([, k]) => k.lock).map(([id]) => id as SessionId));
    const [reads, locks] = await Promise.all([
      Promise.all(nodes.map((n, i) => readNode(n, env.layout, perNode[i]!, env.config.redis.pipelineSize, env.limits.maxEntriesPerSession))),
      inspectSessionLocks(client, lockIds, { layout: env.layout, batchSize: env.config.redis.pipelineSize }),
    ]);
    const statusCounts: FleetScan['statusCounts'] = {};
    const unhealthy: SessionClassification[] = [];
    // Without hash tags a cluster may keep a session's turns and backup on different nodes.
    const healthy = new Set(reads.flatMap((r) => r.healthy));
    const merged = new Map<string, RawSession>();
    for (const raw of reads.flatMap((r) => r.raw)) {
      // Its turns list (on another master) read healthy: the backup does not change that.
      if (healthy.has(raw.sessionId)) continue;
      const prior = merged.get(raw.sessionId);
      merged.set(raw.sessionId, prior ? { sessionId: raw.sessionId, turns: raw.turns.type !== 'none' ? raw.turns : prior.turns, backup: raw.backup.type !== 'none' ? raw.backup : prior.backup } : raw);
    }
    const first = [...merged.values()].map((raw) => ({ raw, c: classifyRawSession(raw) }));
    const suspect = new Set(first.filter(({ c }) => c.status !== 'healthy' && c.status !== 'empty').map(({ raw }) => raw));
    await readBackups(nodes, perNode, [...suspect].filter((r) => r.backup.type === 'string'), env.config.redis.pipelineSize);
    if (healthy.size > 0) statusCounts.healthy = healthy.size;
    for (const { raw, c: before } of first) {
      const c = suspect.has(raw) ? classifyRawSession(raw) : before;
      statusCounts[c.status] = (statusCounts[c.status] ?? 0) + 1;
      if (c.status !== 'healthy' && c.status !== 'empty') unhealthy.push(c);
    }
    return {
      sessionsSeen: seen.size,
      keysScanned: counters.keys,
      complete: !counters.capped,
      statusCounts,
      unhealthy,
      routes: reads.flatMap((r) => r.routes),
      locks: locks.filter((l) => l.status !== 'absent'),
    };
  },
};
