import { CoreError } from '../errors.js';
import { DEFAULT_LAYOUT, sessionKeys, type KeyLayout } from '../keys.js';
import { luaScripts, runLuaScript, type RedisClient } from '../lua-scripts.js';
import type { SessionId } from '../session-id.js';
import { jitteredBackoffMs, sleep } from './backoff.js';
import { newLockToken } from './lock-token.js';

/** What a holder keeps after acquiring a session lock: the proof it is the holder. */
export interface LockLease {
  readonly sessionId: SessionId;
  /** The contract's `manga:session:<id>:lock` key. */
  readonly key: string;
  /** The value written at acquisition; release and extend compare against it. */
  readonly token: string;
  /** The lease asked for at acquisition (or the last extension), ms. */
  readonly ttlMs: number;
}

export interface SessionLockOptions {
  layout?: KeyLayout;
  /**
   * Default lease in ms. Long enough for one request (the target is 3 s, the p99 alarm
   * fires at 5 s), short enough that a crashed holder blocks its session only briefly.
   */
  ttlMs?: number;
}

export interface AcquireOptions {
  ttlMs?: number;
  /** How long to keep trying while another holder has the lock. 0 tries once. */
  waitMs?: number;
  /** Base of the jittered delay between tries. */
  retryDelayMs?: number;
}

export const DEFAULT_LOCK_TTL_MS = 10_000;

function checkTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`lock ttl must be a positive integer of ms, got ${ttlMs}`);
  return ttlMs;
}

/**
 * A per-session distributed lock on the contract's `lock` key: `SET key token NX PX ttl`
 * to acquire, compare-and-delete / compare-and-pexpire Lua scripts to release and extend.
 *
 * Every lock expires: a holder that crashes blocks its session for at most one lease. A
 * holder whose lease ran out can neither release nor extend the lock someone else took
 * since, because both compare the token first. The lease is not a fence: work that may
 * outlive it must extend it, and writes to the state still go through the optimistic
 * update ({@link SessionStateStore}), which stays correct even if two holders overlap.
 */
export class DistributedSessionLock {
  private readonly layout: KeyLayout;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisClient,
    opts: SessionLockOptions = {},
  ) {
    this.layout = opts.layout ?? DEFAULT_LAYOUT;
    this.ttlMs = checkTtl(opts.ttlMs ?? DEFAULT_LOCK_TTL_MS);
  }

  /** One attempt: the lease, or null when someone else holds the lock. */
  async tryAcquire(sessionId: SessionId, ttlMs: number = this.ttlMs): Promise<LockLease | null> {
    checkTtl(ttlMs);
    const key = sessionKeys(this.layout, sessionId).lock;
    const token = newLockToken();
    const reply = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    return reply === 'OK' ? { sessionId, key, token, ttlMs } : null;
  }

  /**
   * Tries until the lock is free or `waitMs` has passed.
   * @throws CoreError `LOCK_HELD` when another holder kept it the whole time
   */
  async acquire(sessionId: SessionId, opts: AcquireOptions = {}): Promise<LockLease> {
    const waitMs = opts.waitMs ?? 5_000;
    const retryDelayMs = opts.retryDelayMs ?? 25;
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const lease = await this.tryAcquire(sessionId, opts.ttlMs);
      if (lease) return lease;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CoreError('LOCK_HELD', `session ${sessionId}: lock held by another request for over ${waitMs} ms`, {
          suggestion: 'run `manga-oncall inspect session <id>` to see the holder and its remaining lease',
        });
      }
      await sleep(Math.min(remaining, 1 + jitteredBackoffMs(attempt, retryDelayMs, 20 * retryDelayMs)));
    }
  }

  /** Deletes the lock if it still holds this lease's token; false when the lease was lost. */
  async release(lease: LockLease): Promise<boolean> {
    const reply = await runLuaScript(this.redis, luaScripts.releaseLock(), [lease.key], [lease.token]);
    return reply === 1;
  }

  /**
   * Sets the lease to `ttlMs` from now if this token still holds the lock.
   * @returns the extended lease, or null when the lease was lost (do not continue the work)
   */
  async extend(lease: LockLease, ttlMs: number = lease.ttlMs): Promise<LockLease | null> {
    checkTtl(ttlMs);
    const reply = await runLuaScript(this.redis, luaScripts.extendLock(), [lease.key], [lease.token, ttlMs]);
    return reply === 1 ? { ...lease, ttlMs } : null;
  }

  /**
   * Runs `work` holding the session's lock, and releases it afterwards.
   * @throws CoreError `LOCK_HELD` when the lock could not be acquired in time
   * @throws CoreError `LOCK_NOT_HELD` when `work` succeeded but the lease had expired before
   *   the release: another holder may have overlapped it, and the caller must know
   */
  async withLock<T>(sessionId: SessionId, work: (lease: LockLease) => Promise<T>, opts: AcquireOptions = {}): Promise<T> {
    const lease = await this.acquire(sessionId, opts);
    let result: T;
    try {
      result = await work(lease);
    } catch (err) {
      await this.release(lease).catch(() => false);
      throw err;
    }
    if (!(await this.release(lease))) {
      throw new CoreError('LOCK_NOT_HELD', `session ${sessionId}: the lock's lease (${lease.ttlMs} ms) expired before the work finished`, {
        suggestion: 'extend the lease during long work, or raise the lock ttl',
      });
    }
    return result;
  }
}
