import { DEFAULT_LAYOUT, sessionKeys, type KeyLayout } from '../keys.js';
import { luaScripts, runLuaScript } from '../lua-scripts.js';
import { isClusterClient, redisErrorCode, type RedisClient } from '../redis-types.js';
import type { SessionId } from '../session-id.js';
import { lockHolderOf, type LockHolder } from './lock-token.js';

/**
 * What a session's lock key looks like right now:
 * - `live`: held, with a lease that will expire on its own (PTTL >= 0);
 * - `no_expiry`: held with no expiry (PTTL -1): nobody will ever release it, the session is
 *   blocked until someone deletes it. This is the stale lock the `release-lock` action removes;
 * - `absent`: no lock;
 * - `wrong_type`: the key exists but is not a string (written by something else entirely).
 */
export type LockStatus = 'live' | 'no_expiry' | 'absent' | 'wrong_type';

export interface LockInspection {
  readonly sessionId: SessionId;
  readonly key: string;
  readonly status: LockStatus;
  /** The lock's value: needed for a forced release, and the pre-image to quarantine. */
  readonly token: string | null;
  /** Who holds it, when the token is one of ours (see {@link lockHolderOf}). */
  readonly holder: LockHolder | null;
  /** Lease left, ms; null unless `live`. */
  readonly remainingMs: number | null;
}

export interface InspectLocksOptions {
  layout?: KeyLayout;
  /** Sessions per pipeline round trip. */
  batchSize?: number;
}

type Reply = [Error | null, unknown];

function classify(sessionId: SessionId, key: string, get: Reply, pttl: Reply): LockInspection {
  const none = { sessionId, key, token: null, holder: null, remainingMs: null };
  if (get[0]) {
    if (redisErrorCode(get[0]) === 'WRONGTYPE') return { ...none, status: 'wrong_type' };
    throw get[0];
  }
  if (pttl[0]) throw pttl[0];
  const token = typeof get[1] === 'string' ? get[1] : null;
  const ms = Number(pttl[1]);
  // GET and PTTL are two commands: the lock may expire or appear between them. Without a
  // token there is nothing to release, and -2 means it expired just after GET: both absent.
  if (token === null || ms === -2) return { ...none, status: 'absent' };
  const holder = lockHolderOf(token);
  if (ms === -1) return { ...none, token, holder, status: 'no_expiry' };
  return { ...none, token, holder, status: 'live', remainingMs: ms };
}

/**
 * Reads the token and PTTL of many sessions' locks, pipelined in batches (on a cluster,
 * sent concurrently so ioredis routes each to its node). Never writes.
 */
export async function inspectSessionLocks(redis: RedisClient, sessionIds: readonly SessionId[], opts: InspectLocksOptions = {}): Promise<LockInspection[]> {
  const layout = opts.layout ?? DEFAULT_LAYOUT;
  const batchSize = opts.batchSize ?? 500;
  const out: LockInspection[] = [];
  for (let i = 0; i < sessionIds.length; i += batchSize) {
    const batch = sessionIds.slice(i, i + batchSize);
    const keys = batch.map((id) => sessionKeys(layout, id).lock);
    let replies: Reply[];
    if (isClusterClient(redis)) {
      const settle = (p: Promise<unknown>): Promise<Reply> => p.then((v): Reply => [null, v], (e: Error): Reply => [e, null]);
      replies = await Promise.all(keys.flatMap((k) => [settle(redis.get(k)), settle(redis.pttl(k))]));
    } else {
      const pipe = redis.pipeline();
      for (const k of keys) pipe.get(k).pttl(k);
      replies = ((await pipe.exec()) ?? []) as Reply[];
    }
    batch.forEach((id, j) => {
      const get = replies[2 * j];
      const pttl = replies[2 * j + 1];
      if (!get || !pttl) throw new Error(`pipeline returned ${replies.length} replies for ${2 * batch.length} commands`);
      out.push(classify(id, keys[j] as string, get, pttl));
    });
  }
  return out;
}

/** {@link inspectSessionLocks} for one session. */
export async function inspectSessionLock(redis: RedisClient, sessionId: SessionId, opts: InspectLocksOptions = {}): Promise<LockInspection> {
  const [only] = await inspectSessionLocks(redis, [sessionId], opts);
  return only as LockInspection;
}

/** A lock nobody will release: held with no expiry. A live lease ends by itself and is left alone. */
export function isStaleLock(inspection: LockInspection): boolean {
  return inspection.status === 'no_expiry';
}

/**
 * Deletes the lock only if it still holds `observedToken` (compare-and-delete): a lock that
 * was released and re-acquired since on-call looked at it is not touched.
 * @returns true when the observed lock was deleted
 */
export async function forceReleaseLock(redis: RedisClient, sessionId: SessionId, observedToken: string, opts: { layout?: KeyLayout } = {}): Promise<boolean> {
  const key = sessionKeys(opts.layout ?? DEFAULT_LAYOUT, sessionId).lock;
  return (await runLuaScript(redis, luaScripts.releaseLock(), [key], [observedToken])) === 1;
}

/**
 * What {@link releaseLockIfStale} did: `released` (it was stale and is gone), `absent`
 * (nothing to do), `live` (refused: a live holder's lease ends by itself), `wrong_type`
 * (refused: not a lock we understand), `changed` (it was stale, but a new holder took it
 * between the inspection and the delete, so it was left alone).
 */
export type StaleLockOutcome = 'released' | 'absent' | 'live' | 'wrong_type' | 'changed';

export interface StaleLockRelease {
  readonly outcome: StaleLockOutcome;
  /** The lock as seen before any change: the pre-image for quarantine and audit. */
  readonly inspection: LockInspection;
}

/** Inspects the session's lock and deletes it only when it is stale ({@link isStaleLock}). */
export async function releaseLockIfStale(redis: RedisClient, sessionId: SessionId, opts: { layout?: KeyLayout } = {}): Promise<StaleLockRelease> {
  const inspection = await inspectSessionLock(redis, sessionId, opts);
  if (!isStaleLock(inspection)) {
    const outcome = inspection.status === 'no_expiry' ? 'changed' : inspection.status;
    return { outcome, inspection };
  }
  const released = await forceReleaseLock(redis, sessionId, inspection.token as string, opts);
  return { outcome: released ? 'released' : 'changed', inspection };
}
