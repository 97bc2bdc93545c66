import { lockHolderOf } from '../../core/locking/index.js';
import { maskText } from '../../core/mask.js';
import { detectRoutingLoop, parseRouteDecision, type RouteDecision } from '../../core/routing/index.js';
import type { SessionId } from '../../core/session-id.js';
import { analyzeBackup, analyzeEntries, classifyRawSession } from '../../core/sessions/index.js';
import { assembleHistory, itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES, type SessionItem } from '../../core/size/index.js';
import { isSourceError } from '../../sources/errors.js';
import type { Question } from '../types.js';
import { authoritativeCopy, type CopyFacts } from './authority.js';
import { overflowSnapshot, sessionEvents, sessionItem, sessionRedisRead } from './questions.js';
import type { DynamoSessionPart, RecentTurn, RedisSessionPart, S3SessionPart, SessionProblem, SessionView } from './types.js';

/** What this module reads of a turn, whichever store it came from. */
type TurnLike = { readonly role?: unknown; readonly content?: unknown; readonly agent_name?: unknown; readonly ts?: unknown };

export type AskFn = <T>(question: Question<T>) => Promise<T>;

export interface CollectOptions {
  /** Reveal message content (a terminal with --show-content only; never JSON or reports). */
  showContent?: boolean;
  /** Turns of the authoritative copy to show (default 10). */
  recentTurns?: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** A store that fails is reported in its part; only a bug propagates. */
async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (isSourceError(err) || (err as { name?: string })?.name === 'CoreError') return { ok: false, error: (err as Error).message };
    throw err;
  }
}

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString());
const lastTs = (turns: readonly TurnLike[]) => {
  const ts = turns.map((t) => Number(t.ts)).filter(Number.isFinite);
  return ts.length ? Math.max(...ts) : undefined;
};

/**
 * Reads one session from every store at once (Redis keys, DynamoDB item, log events; then the
 * S3 snapshot the item points to) and puts the views side by side: the core's verdict on the
 * Redis copy, the item's exact size and headroom, the history joined across DynamoDB and S3,
 * what is wrong per scenario, and which copy is authoritative. `ask` runs a question under the
 * caller's deadline (the diagnosis engine's, or a plain timeout for `inspect session`).
 */
export async function collectSessionView(ask: AskFn, id: SessionId, opts: CollectOptions = {}): Promise<SessionView> {
  const [redisRead, itemRead, logsRead] = await Promise.all([
    attempt(() => ask(sessionRedisRead(id))),
    attempt(() => ask(sessionItem(id))),
    attempt(() => ask(sessionEvents(id))),
  ]);
  const copies: CopyFacts[] = [];
  const turnsOf = new Map<CopyFacts['copy'], readonly TurnLike[]>();
  const problems: SessionProblem[] = [];

  const redis: RedisSessionPart = {};
  if (!redisRead.ok) redis.error = redisRead.error;
  else {
    const { raw, routes, pin, state, lock } = redisRead.value;
    const c = classifyRawSession(raw);
    const valid = analyzeEntries(raw.turns.entries).checks.flatMap((ch) => (ch.ok ? [ch.turn] : []));
    const backup = analyzeBackup(raw.backup.type, raw.backup.value);
    Object.assign(redis, { status: c.status, recommendedAction: c.recommendedAction, summary: c.summary });
    if (raw.turns.type !== 'none') {
      redis.turns = { type: raw.turns.type, ttlMs: raw.turns.ttlMs, entries: c.primary.entries, valid: c.primary.valid, invalid: c.primary.invalid, ...(iso(lastTs(valid)) ? { lastTs: iso(lastTs(valid)) } : {}) };
      copies.push({ copy: 'redis.turns', turns: valid.length, lastTs: lastTs(valid), usable: c.status === 'healthy' });
      turnsOf.set('redis.turns', valid);
    }
    if (raw.backup.type !== 'none') {
      redis.backup = { health: backup.health, turns: backup.turns.length, bytes: c.backup.bytes, ttlMs: raw.backup.ttlMs };
      copies.push({ copy: 'redis.backup', turns: backup.turns.length, lastTs: lastTs(backup.turns), usable: backup.health === 'ok' });
      turnsOf.set('redis.backup', backup.turns);
    }
    if (c.status !== 'healthy' && c.status !== 'empty') problems.push({ scenario: 1, what: c.summary, action: c.recommendedAction });
    const decisions = routes.map(parseRouteDecision).filter((r): r is RouteDecision => r !== null);
    if (routes.length) {
      const verdict = detectRoutingLoop(decisions);
      redis.routes = { count: routes.length, agents: decisions.map((r) => r.agent), confidences: decisions.map((r) => r.confidence), loop: verdict.loop, explanation: verdict.explanation };
      if (verdict.loop) problems.push({ scenario: 2, what: verdict.explanation, action: 'clear-routing' });
    }
    redis.pin = pin;
    let version: number | undefined;
    try {
      const v = state === null ? undefined : (JSON.parse(state) as { version?: unknown }).version;
      if (typeof v === 'number') version = v;
    } catch {
      // A state that does not parse is reported as present without a version.
    }
    redis.state = { exists: state !== null, ...(version !== undefined ? { version } : {}) };
    const holder = lock.token ? lockHolderOf(lock.token) : null;
    redis.lock = { status: lock.status, remainingMs: lock.remainingMs, holder: holder ? { host: holder.host, pid: holder.pid, acquiredAt: new Date(holder.acquiredAt).toISOString() } : null };
    if (lock.status === 'no_expiry') problems.push({ scenario: 5, what: 'the lock has no expiry: its holder is gone and nobody will release it', action: 'release-lock' });
    if (lock.status === 'live') problems.push({ scenario: 5, what: `the lock is held${holder ? ` by ${holder.host} pid ${holder.pid}` : ''} for ${Math.round((lock.remainingMs ?? 0) / 1000)} s more (a live lease: leave it)`, action: null });
  }

  const dynamodb: DynamoSessionPart = {};
  let s3: S3SessionPart | null = null;
  if (!itemRead.ok) dynamodb.error = itemRead.error;
  else if (!itemRead.value) dynamodb.exists = false;
  else {
    const item = itemRead.value as SessionItem;
    const own = Array.isArray(item.turns) ? item.turns : [];
    const size = itemSizeBytes(item);
    Object.assign(dynamodb, {
      exists: true,
      storedTurns: own.length,
      turnCount: Number(item.turn_count ?? own.length),
      compactedTurnCount: Number(item.compacted_turn_count ?? 0),
      sizeBytes: size,
      limitBytes: MAX_ITEM_BYTES,
      headroomBytes: MAX_ITEM_BYTES - size,
    });
    if (typeof item.s3_overflow_key === 'string') dynamodb.overflowKey = item.s3_overflow_key;
    for (const [field, value] of [['createdAt', item.created_at], ['updatedAt', item.updated_at], ['lastTs', lastTs(own)]] as const) {
      const at = iso(typeof value === 'number' ? (value < 1e11 ? value * 1000 : value) : undefined);
      if (at) dynamodb[field] = at;
    }
    if (size > SAFE_ITEM_BYTES) {
      problems.push({ scenario: 4, what: `the item is ${(size / 1024).toFixed(1)} KB by DynamoDB's rules (limit 400 KB)`, action: size > MAX_ITEM_BYTES ? 'overflow' : 'compact' });
    }
    let history: readonly TurnLike[] = own;
    if (dynamodb.overflowKey) {
      const snap = await attempt(() => ask(overflowSnapshot(id, dynamodb.overflowKey!)));
      s3 = { key: dynamodb.overflowKey };
      if (!snap.ok) s3.error = snap.error;
      else {
        s3.turns = snap.value.turns.length;
        const joined = await attempt(async () => assembleHistory(item, snap.value));
        if (joined.ok) {
          s3.historyTurns = joined.value.turns.length;
          history = joined.value.turns;
        } else s3.error = joined.error;
      }
    }
    const copy = s3?.historyTurns !== undefined ? 'dynamodb+s3' : 'dynamodb';
    copies.push({ copy, turns: history.length, lastTs: lastTs(history), usable: true });
    turnsOf.set(copy, history);
  }

  const logs = logsRead.ok
    ? { events: logsRead.value.rows, counts: logsRead.value.rows.reduce<Record<string, number>>((m, e) => ({ ...m, [e.event]: (m[e.event] ?? 0) + 1 }), {}) }
    : { error: logsRead.error };

  const authoritative = authoritativeCopy(copies);
  const shown = authoritative.copy === 'none' ? [] : (turnsOf.get(authoritative.copy) ?? []);
  const n = opts.recentTurns ?? 10;
  const recentTurns: RecentTurn[] = shown.slice(-n).map((t, i) => ({
    index: shown.length - Math.min(n, shown.length) + i,
    role: String(t.role ?? ''),
    ...(typeof t.agent_name === 'string' ? { agent: t.agent_name } : {}),
    ...(iso(Number(t.ts)) ? { ts: iso(Number(t.ts)) } : {}),
    content: maskText(typeof t.content === 'string' ? t.content : JSON.stringify(t.content ?? ''), { showContent: opts.showContent === true }),
  }));
  return { sessionId: id, authoritative, redis, dynamodb, s3, logs, problems, recentTurns };
}
