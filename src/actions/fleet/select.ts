/**
 * Finding and planning the fleet's affected sessions. Redis scenarios SCAN each master for
 * one kind of session key and plan from pipelined reads with the core's batch planner (so no
 * session costs a round trip); the others ask the store that knows: DynamoDB (a Scan that
 * lets the table drop short sessions) for scenario 4, the orchestrator's log events (tool
 * calls that failed) for scenario 3, then plan each session with its action.
 */
import { Cluster, type Redis } from 'ioredis';
import type { SessionKeyKind } from '../../core/keys.js';
import { sessionIdFromKey, sessionKeyKind, sessionScanPatternFor } from '../../core/keys.js';
import { inspectSessionLocks } from '../../core/locking/index.js';
import { isClusterClient, type RedisClient } from '../../core/redis-types.js';
import { chooseFallbackAgent, detectRoutingLoop, parseRouteDecision, type RouteDecision } from '../../core/routing/index.js';
import { isValidSessionId, type SessionId } from '../../core/session-id.js';
import { planRecoveryFromRead, planRepairBatch, readRecoveryBatch, sessionKeys, type BatchRepairPlan, type SessionRepair } from './core-batch.js';
import { byConnection, itemOf, type RedisItem } from './apply-redis.js';
import { COMPACTION_THRESHOLD_TURNS } from '../item-compaction.js';
import { SAFE_ITEM_BYTES } from '../../core/size/index.js';
import { DEFAULT_SEGMENTS, scanDynamoFleet } from '../../scan/dynamo-fleet.js';
import { actionFor } from '../index.js';
import type { ActionEnv, ActionName, ActionPlan, PlanOptions } from '../types.js';
import type { FleetSelector } from './types.js';
import { fleetChunkSize } from './chunk.js';

export interface SessionWork {
  sessionId: SessionId;
  action: ActionName;
  planOptions: PlanOptions;
  plan: ActionPlan;
}

/** Everything the fleet will do, planned, before the one question. */
export interface FleetWork {
  /** Redis repairs as planned (without their data: each chunk is read again when applied). */
  redisItems: RedisItem[];
  sessionItems: SessionWork[];
  /** Sessions looked at. */
  examined: number;
  /** Of those, found healthy (not affected). */
  healthy: number;
}

export interface SelectOptions {
  limit?: number;
  /** Logs window start for scenario 3, epoch ms. */
  since: number;
  signal?: AbortSignal;
  concurrency: number;
  onProgress?(examined: number): void;
}

const RECOVERY: readonly ActionName[] = ['restore-backup', 'partial-recover', 'clean-slate'];

function scenarioOf(selector: FleetSelector): number {
  return selector.kind === 'scenario' ? selector.scenario : actionFor(selector.action).scenario;
}

/**
 * SCANs every master, in one pass, for `<prefix>:session:*:<kind>` keys of the kinds given, and
 * yields batches of new valid session ids (a second pass for a second kind would walk the
 * whole keyspace again, after the last chunk, with nothing left to overlap it). Each SCAN is
 * sent before the previous one's keys are handed on.
 */
async function* scanIds(client: RedisClient, env: ActionEnv, kinds: readonly SessionKeyKind[], signal?: AbortSignal): AsyncGenerator<SessionId[]> {
  const nodes: Redis[] = isClusterClient(client) ? (client as Cluster).nodes('master') : [client as Redis];
  const seen = new Set<string>();
  const pattern = sessionScanPatternFor(env.layout, kinds);
  const scan = (node: Redis, cursor: string) => {
    const reply = node.scan(cursor, 'MATCH', pattern, 'COUNT', env.config.redis.scanCount);
    reply.catch(() => undefined); // awaited below; a scan never awaited (the run stopped) must not be an unhandled rejection
    return reply;
  };
  for (const node of nodes) {
    let ahead = scan(node, '0');
    let cursor: string;
    do {
      signal?.throwIfAborted();
      const [next, keys] = await ahead;
      cursor = next;
      // The next SCAN is on its way while these keys are sorted and their sessions planned.
      if (cursor !== '0') ahead = scan(node, cursor);
      const batch: SessionId[] = [];
      for (const key of keys) {
        const kind = sessionKeyKind(key);
        if (kind === null || !kinds.includes(kind)) continue;
        const id = sessionIdFromKey(env.layout, key);
        if (id !== null && isValidSessionId(id) && !seen.has(id)) {
          seen.add(id);
          batch.push(id);
        }
      }
      if (batch.length) yield batch;
    } while (cursor !== '0');
  }
}

/** Per-session planning with bounded concurrency (DynamoDB actions, or Redis on a cluster). */
async function planEach(env: ActionEnv, items: Omit<SessionWork, 'plan'>[], concurrency: number, signal?: AbortSignal): Promise<SessionWork[]> {
  const out: SessionWork[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        signal?.throwIfAborted();
        const item = items[i]!;
        out[i] = { ...item, plan: await actionFor(item.action).plan(env, item.sessionId, item.planOptions) };
      }
    }),
  );
  return out;
}

/** Routing decisions of each session, pipelined; the loops, with their fallback agent. */
async function loopsOf(redis: RedisClient, env: ActionEnv, ids: readonly SessionId[]): Promise<Array<{ sessionId: SessionId; routes: RouteDecision[] }>> {
  const lists = isClusterClient(redis)
    ? await Promise.all(ids.map((id) => redis.lrange(sessionKeys(env.layout, id).routes, 0, 99).catch(() => [] as string[])))
    : (((await ids.reduce((p, id) => p.lrange(sessionKeys(env.layout, id).routes, 0, 99), (redis as Redis).pipeline()).exec()) ?? []) as [Error | null, string[]][]).map(([e, v]) => (e ? [] : v));
  return ids.flatMap((sessionId, i) => {
    const routes = (lists[i] ?? []).map(parseRouteDecision).filter((r): r is RouteDecision => r !== null);
    return detectRoutingLoop(routes).loop ? [{ sessionId, routes }] : [];
  });
}

/** One chunk of a Redis scenario's scan: planned from one pipelined read (a cluster: not planned). */
export interface RedisChunk {
  examined: number;
  healthy: number;
  plans: BatchRepairPlan[];
  /** On a cluster, the one-session path plans and applies these. */
  unplanned: Omit<SessionWork, 'plan'>[];
}

export function isRedisSelector(selector: FleetSelector): boolean {
  const s = scenarioOf(selector);
  return s === 1 || s === 2 || s === 5;
}

/**
 * The Redis scenarios' sessions, a chunk at a time ({@link fleetChunkSize} sessions): SCAN, one
 * pipelined read, and each repair planned by the core on that read (scenario 1 reads the next
 * chunk while it plans this one). Stops after `limit` affected sessions.
 */
export async function* redisChunks(env: ActionEnv, selector: FleetSelector, opts: Pick<SelectOptions, 'limit' | 'signal'>): AsyncGenerator<RedisChunk> {
  const scenario = scenarioOf(selector);
  const only = selector.kind === 'action' ? selector.action : undefined;
  const limit = opts.limit ?? Infinity;
  const batchOpts = { layout: env.layout, ttlSeconds: env.config.sessionTtlSeconds, now: env.now };
  const redis = await env.redis();
  // A cluster with hash tags is planned per master like a standalone server; without them a
  // session's keys are spread over slots, and the one-session path plans and applies them.
  const batched = !isClusterClient(redis) || env.layout.hashTags;
  const seen = new Set<string>();
  // Scenario 1 also looks at sessions with a backup and no turns list (restorable from it).
  const kinds: SessionKeyKind[] = scenario === 1 ? ['turns', 'backup'] : scenario === 2 ? ['routes'] : ['lock'];
  const recoveryOpts = { ...batchOpts, ...(only && RECOVERY.includes(only) ? { only: only as SessionRepair['action'] } : {}) };
  /** Chunks of at most {@link fleetChunkSize} ids, as the scan finds them. */
  async function* idChunks(): AsyncGenerator<SessionId[]> {
    const size = fleetChunkSize(env);
    for await (const ids of scanIds(redis, env, kinds, opts.signal)) {
      for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
    }
  }
  /**
   * Scenario 1, batched: a chunk's reads (per master) start as soon as its ids are known, so
   * the next chunk is read while this one is classified and planned. The promise is awaited
   * when the chunk is planned; its no-op catch only keeps a read of a chunk never planned
   * (the limit was reached, the run stopped) from being an unhandled rejection.
   */
  const startReads = async (chunk: SessionId[]) => {
    if (scenario !== 1 || !batched) return null;
    return [...(await byConnection(redis, env, chunk.map((sessionId) => ({ sessionId }))))].map(([conn, part]) => {
      const read = readRecoveryBatch(conn, part.map((p) => p.sessionId), batchOpts);
      read.catch(() => undefined);
      return { conn, read };
    });
  };
  type Pending = { chunk: SessionId[]; reads: Awaited<ReturnType<typeof startReads>> };
  /** Classifies and plans one chunk on its reads. */
  const planChunk = async (current: Pending): Promise<RedisChunk> => {
    const chunk = current.chunk;
    const out: RedisChunk = { examined: chunk.length, healthy: 0, plans: [], unplanned: [] };
    const items: Array<{ sessionId: SessionId; action: ActionName; repair: SessionRepair; planOptions: PlanOptions }> = [];
    if (current.reads) {
      for (const { conn, read } of current.reads) {
        const { plans, healthy } = await planRecoveryFromRead(conn, await read, recoveryOpts);
        out.plans.push(...plans);
        out.healthy += healthy;
      }
    } else if (scenario === 1) {
      const store = await env.sessions();
      for (const sessionId of chunk) {
        const { classification } = await store.inspect(sessionId);
        const action = only ?? classification.recommendedAction;
        if (classification.recommendedAction === null || !action) out.healthy++;
        else items.push({ sessionId, action, repair: { action } as SessionRepair, planOptions: {} });
      }
    } else if (scenario === 2) {
      const loops = await loopsOf(redis, env, chunk);
      out.healthy = chunk.length - loops.length;
      for (const { sessionId, routes } of loops) {
        const agent = chooseFallbackAgent(routes);
        // Pin first: a crash between the two leaves the loop visible, so a rerun finishes it.
        if (!only || only === 'pin-agent') items.push({ sessionId, action: 'pin-agent', repair: { action: 'pin-agent', agent }, planOptions: { agent } });
        if (!only || only === 'clear-routing') items.push({ sessionId, action: 'clear-routing', repair: { action: 'clear-routing' }, planOptions: {} });
      }
    } else {
      for (const lock of await inspectSessionLocks(redis, chunk, { layout: env.layout })) {
        if (lock.status === 'absent') out.healthy++;
        else items.push({ sessionId: lock.sessionId, action: 'release-lock', repair: { action: 'release-lock', observedToken: lock.token, allowLive: false }, planOptions: {} });
      }
    }
    if (!batched) out.unplanned = items.map(({ repair: _r, ...rest }) => rest);
    else if (items.length) for (const [conn, part] of await byConnection(redis, env, items)) out.plans.push(...(await planRepairBatch(conn, part, batchOpts)));
    // Whole sessions only: the repairs of the session that reaches the limit are all kept.
    const keepIds = new Set<string>();
    for (const id of [...out.plans.map((p) => p.sessionId), ...out.unplanned.map((u) => u.sessionId)]) {
      if (seen.has(id) || keepIds.has(id) || seen.size + keepIds.size < limit) keepIds.add(id);
    }
    out.plans = out.plans.filter((p) => keepIds.has(p.sessionId));
    out.unplanned = out.unplanned.filter((u) => keepIds.has(u.sessionId));
    for (const id of keepIds) seen.add(id);
    return out;
  };
  const chunks = idChunks();
  try {
    let pending: Pending | undefined;
    for (;;) {
      if (seen.size >= limit) return;
      const next = await chunks.next();
      const ahead = next.done ? undefined : { chunk: next.value, reads: await startReads(next.value) };
      if (pending) yield await planChunk(pending);
      if (!ahead) return;
      pending = ahead;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * The sessions scenarios 3 and 4 affect (log events, DynamoDB), at most `limit`, each with its
 * action: the one asked for, else the scenario's (scenario 4: `compact` for a long history,
 * `overflow` for a big item with few turns).
 */
export async function itemSessions(env: ActionEnv, selector: FleetSelector, opts: SelectOptions): Promise<Array<{ sessionId: SessionId; action: ActionName }>> {
  const scenario = scenarioOf(selector);
  const asked = selector.kind === 'action' ? selector.action : undefined;
  const work =
    scenario === 3
      ? (await failedToolSessions(env, opts)).map((sessionId) => ({ sessionId, action: asked ?? ('flag-review' as ActionName) }))
      : (await oversizedSessions(env, opts)).map(({ sessionId, mode }) => ({ sessionId, action: asked ?? (mode as ActionName) }));
  return opts.limit !== undefined ? work.slice(0, opts.limit) : work;
}

/** Everything planned before the one question (the interactive and --dry-run path). */
export async function selectAndPlan(env: ActionEnv, selector: FleetSelector, opts: SelectOptions): Promise<FleetWork> {
  const work: FleetWork = { redisItems: [], sessionItems: [], examined: 0, healthy: 0 };
  if (isRedisSelector(selector)) {
    for await (const chunk of redisChunks(env, selector, opts)) {
      work.examined += chunk.examined;
      work.healthy += chunk.healthy;
      work.redisItems.push(...chunk.plans.map(itemOf));
      if (chunk.unplanned.length) work.sessionItems.push(...(await planEach(env, chunk.unplanned, opts.concurrency, opts.signal)));
      opts.onProgress?.(work.examined);
    }
    return work;
  }
  const found = await itemSessions(env, selector, opts);
  work.examined = found.length;
  work.sessionItems = await planEach(env, found.map((f) => ({ ...f, planOptions: {} })), opts.concurrency, opts.signal);
  opts.onProgress?.(work.examined);
  return work;
}

/** Scenario 3: sessions with a grounding tool call that timed out or failed in the window (log events). */
async function failedToolSessions(env: ActionEnv, opts: SelectOptions): Promise<SessionId[]> {
  const { LogsSource } = await import('../../sources/logs-insights.js');
  const logs = new LogsSource(env.config);
  try {
    const { events } = await logs.filterEvents({
      start: new Date(opts.since),
      end: new Date(env.now()),
      filterPattern: '{ $.event = "tool_call" && ($.status = "timeout" || $.status = "error") }',
      maxEvents: 100_000,
    });
    const ids = new Set<SessionId>();
    for (const e of events) {
      try {
        const id = (JSON.parse(e.message) as { session_id?: unknown }).session_id;
        if (isValidSessionId(id)) ids.add(id);
      } catch {
        // Not a JSON event: not one of the orchestrator's.
      }
    }
    return [...ids].sort();
  } finally {
    logs.close();
  }
}

/**
 * Scenario 4: every item that needs a fix, measured the way DynamoDB measures it (never the
 * store's own count): more turns of its own than the compaction threshold (`compact`), or
 * fewer but within the safety headroom of 400 KB (huge tool results: `overflow` moves the
 * history to S3). A filtered Scan would not be cheaper: DynamoDB charges a Scan for the
 * items it reads, not for those it returns, and the bytes are only known from the item.
 */
async function oversizedSessions(env: ActionEnv, opts: SelectOptions): Promise<Array<{ sessionId: SessionId; mode: 'compact' | 'overflow' }>> {
  const found: Array<{ sessionId: SessionId; mode: 'compact' | 'overflow' }> = [];
  await scanDynamoFleet(await env.ddb(), {
    table: env.config.names.sessionsTable,
    totalSegments: DEFAULT_SEGMENTS,
    segments: Array.from({ length: DEFAULT_SEGMENTS }, (_, i) => i),
    thresholdBytes: SAFE_ITEM_BYTES,
    timeoutMs: env.config.timeoutMs,
    onItem(item) {
      opts.signal?.throwIfAborted();
      if (!isValidSessionId(item.sessionId)) return;
      if (item.ownTurns > COMPACTION_THRESHOLD_TURNS) found.push({ sessionId: item.sessionId, mode: 'compact' });
      else if (item.bytes > SAFE_ITEM_BYTES) found.push({ sessionId: item.sessionId, mode: 'overflow' });
    },
  });
  return found.sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
}
