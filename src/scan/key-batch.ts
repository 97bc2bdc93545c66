import type { Redis } from 'ioredis';
import { sessionIdFromKey, sessionKeys, type KeyLayout, type SessionKeyKind } from '../core/keys.js';
import { inspectSessionLocks } from '../core/locking/index.js';
import { detectRoutingLoop, parseRouteDecision, type RouteDecision } from '../core/routing/index.js';
import { redisErrorCode } from '../core/redis-types.js';
import { isValidSessionId, type SessionId } from '../core/session-id.js';
import { classifyRawSession } from '../core/sessions/index.js';
import type { NodeRouter } from './node-router.js';
import { NodePipelines, type Reply } from './node-pipelines.js';
import { fetchRawSessions } from './raw-fetch.js';
import { dataClassOf, type ClassTally } from './redis-report.js';
import { textIsPlainTurn } from '../core/turn.js';

/** Routing decisions read per `routes` list: a loop is more than 3; 100 is far past any limit. */
export const MAX_ROUTES_READ = 100;

/** What a batch needs from the scan it belongs to. */
export interface BatchContext {
  readonly router: NodeRouter;
  readonly layout: KeyLayout;
  /** Entries read per turns list (the core's scan cap). */
  readonly maxEntries: number;
  readonly tally: ClassTally;
  readonly counters: { sessions: number; partiallyExamined: number; locksOfWrongType: number; foreignKeys: number; unjudged: number };
  /** Takes one slot of `--limit`; false when the limit is reached (the session is not counted). */
  takeSession(): boolean;
}

/** Per kind: the session ids and, at the same index, the keys SCAN returned for them. */
type Sorted = Record<'turns' | 'backup' | 'routes' | 'lock', { ids: SessionId[]; keys: string[] }>;

/** Sorts the keys of one SCAN reply by kind; keys that are not valid session keys are counted and skipped. */
function sortKeys(keys: readonly string[], ctx: BatchContext): Sorted {
  const sorted: Sorted = { turns: { ids: [], keys: [] }, backup: { ids: [], keys: [] }, routes: { ids: [], keys: [] }, lock: { ids: [], keys: [] } };
  for (const key of keys) {
    const id = sessionIdFromKey(ctx.layout, key);
    if (id === null || !isValidSessionId(id)) {
      ctx.counters.foreignKeys++;
      continue;
    }
    const kind = key.slice(key.lastIndexOf(':') + 1) as SessionKeyKind;
    // state and pin are not needed for any verdict of the scan.
    if (kind === 'turns' || kind === 'backup' || kind === 'routes' || kind === 'lock') {
      sorted[kind].ids.push(id);
      sorted[kind].keys.push(key);
    }
  }
  return sorted;
}

/** The fast verdict on a turns list read in one LRANGE: healthy, gone, or needing the core's full look. */
function quickTurnsVerdict(reply: Reply | undefined, maxEntries: number): 'healthy' | 'gone' | 'escalate' {
  // WRONGTYPE (or a failed read): the core's reads name the type and the remedy, or fail loudly.
  if (!reply || reply[0]) return 'escalate';
  const entries = reply[1] as string[];
  if (entries.length === 0) return 'gone'; // expired between SCAN and LRANGE: no session any more
  // A full read may be a longer list: the core's reads include LLEN and say it was capped.
  if (entries.length >= maxEntries) return 'escalate';
  for (const entry of entries) if (!textIsPlainTurn(entry)) return 'escalate';
  return 'healthy';
}

/**
 * A reply that may be WRONGTYPE (someone else's key under our name: not ours to judge) but
 * must not be any other error: a verdict is never built on a read that failed.
 */
function settled(reply: Reply | undefined): unknown {
  if (!reply) throw new Error('bug: fewer pipeline replies than commands queued');
  if (reply[0] && redisErrorCode(reply[0]) !== 'WRONGTYPE') throw reply[0];
  return reply[0] ? undefined : reply[1];
}

function isLoop(reply: Reply | undefined): boolean {
  const value = settled(reply) as string[] | undefined;
  if (!value) return false;
  const routes = value.map(parseRouteDecision).filter((r): r is RouteDecision => r !== null);
  return detectRoutingLoop(routes).loop;
}

/**
 * Classifies the sessions behind one SCAN reply of `node`, in two round trips at most:
 * 1. one pipeline: LRANGE of each turns list (capped), LRANGE of each routes list, EXISTS of
 *    the turns key of each backup (on the turns key's own node when that is another master),
 *    and the core's pipelined lock inspection (GET + PTTL);
 * 2. for the sessions that are not plainly healthy (an entry that is not a turn, a wrong
 *    type, a capped list, a backup without a turns list), the core's raw reads in one
 *    pipeline per node, judged by `classifyRawSession`.
 * A session is judged by its data once, through its turns key, or through its backup when it
 * has no turns key.
 */
export async function classifyKeyBatch(node: Redis, keys: readonly string[], ctx: BatchContext): Promise<void> {
  const sorted = sortKeys(keys, ctx);
  const { layout, router, tally } = ctx;
  const pipelines = new NodePipelines();
  // The turns and routes keys are the very keys SCAN returned on this node.
  const turnsAt = sorted.turns.keys.map((key) => pipelines.queue(node, 1, (p) => p.lrange(key, 0, ctx.maxEntries - 1)));
  const routesAt = sorted.routes.keys.map((key) => pipelines.queue(node, 1, (p) => p.lrange(key, 0, MAX_ROUTES_READ - 1)));
  const backupAt = sorted.backup.ids.map((id) => {
    const turnsKey = sessionKeys(layout, id).turns;
    const owner = router.nodeOf(turnsKey);
    return owner ? pipelines.queue(owner, 1, (p) => p.exists(turnsKey)) : null;
  });
  const [{ replies, failed }, locks] = await Promise.all([
    pipelines.exec(),
    sorted.lock.ids.length ? inspectSessionLocks(node, sorted.lock.ids, { layout, batchSize: sorted.lock.ids.length }) : Promise.resolve([]),
  ]);
  // This master's own reads failed: the scan of this master fails (reported unavailable).
  if (failed.has(node)) throw failed.get(node);
  const reply = (at: { node: Redis; at: number }): Reply | undefined => replies.get(at.node)?.[at.at];

  const escalate: SessionId[] = [];
  sorted.turns.ids.forEach((id, i) => {
    const verdict = quickTurnsVerdict(reply(turnsAt[i]!), ctx.maxEntries);
    if (verdict === 'escalate') escalate.push(id);
    else if (verdict === 'healthy' && ctx.takeSession()) {
      ctx.counters.sessions++;
      tally.add('healthy', id);
      tally.addStatus('healthy');
    }
  });
  sorted.backup.ids.forEach((id, i) => {
    const at = backupAt[i];
    // The turns key's master is unreachable (or went away mid-batch): whether this backup
    // stands alone is unknown.
    if (!at || failed.has(at.node)) ctx.counters.unjudged++;
    else if (Number(settled(reply(at))) === 0) escalate.push(id);
  });
  sorted.routes.ids.forEach((id, i) => {
    if (isLoop(reply(routesAt[i]!))) tally.add('routing_left_over', id);
  });
  for (const lock of locks) {
    if (lock.status === 'no_expiry') tally.add('lock_without_owner', lock.sessionId);
    else if (lock.status === 'wrong_type') ctx.counters.locksOfWrongType++;
  }

  if (escalate.length === 0) return;
  const fetched = await fetchRawSessions(router, layout, escalate, ctx.maxEntries);
  if (fetched.failed.has(node)) throw fetched.failed.get(node);
  ctx.counters.unjudged += fetched.unreachable;
  for (const raw of fetched.sessions) {
    // Both keys gone since SCAN (expired or deleted): nothing left to judge.
    if (raw.turns.type === 'none' && raw.backup.type === 'none') continue;
    if (!ctx.takeSession()) return;
    const c = classifyRawSession(raw);
    ctx.counters.sessions++;
    if (!c.complete) ctx.counters.partiallyExamined++;
    tally.addStatus(c.status);
    tally.add(dataClassOf(c.recommendedAction), raw.sessionId);
  }
}
