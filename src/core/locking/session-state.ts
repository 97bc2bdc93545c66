import { CoreError, WriteConflictError } from '../errors.js';
import { DEFAULT_LAYOUT, SESSION_TTL_SECONDS, sessionKeys, type KeyLayout } from '../keys.js';
import { luaScripts, runLuaScript, type RedisClient } from '../lua-scripts.js';
import type { SessionId } from '../session-id.js';
import { jitteredBackoffMs, sleep } from './backoff.js';
import { DedicatedConnectionPool } from './connection-pool.js';

/** The session's shared state (the contract's `state` key): a JSON object with an integer version. */
export interface SessionState {
  readonly version: number;
  readonly [field: string]: unknown;
}

/**
 * Computes the next state from the current one (null when the session has none). It may be
 * async (an agent's work) and may run more than once, so it must not have side effects. The
 * returned `version` is ignored: the store sets it to the current version + 1.
 */
export type StateUpdateFn = (current: SessionState | null) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface OptimisticRetryOptions {
  /** Attempts before giving up with {@link WriteConflictError}. */
  maxAttempts?: number;
  /** Base and cap of the full-jitter exponential backoff between attempts, ms. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Source of randomness for the jitter, in [0, 1). */
  random?: () => number;
}

export interface SessionStateStoreOptions extends OptimisticRetryOptions {
  layout?: KeyLayout;
  /** Inactivity expiry written with every state write; the contract's 1800 s. */
  ttlSeconds?: number;
  /** Connections for WATCH; by default the store makes its own pool of `maxConnections`. */
  pool?: DedicatedConnectionPool;
  maxConnections?: number;
}

export interface StateUpdateResult {
  readonly state: SessionState;
  /** How many attempts it took (1 = no conflict). */
  readonly attempts: number;
}

export type CompareAndSetResult =
  | { readonly written: true; readonly state: SessionState }
  | { readonly written: false; readonly currentVersion: number };

const RETRY_DEFAULTS = { maxAttempts: 8, baseBackoffMs: 5, maxBackoffMs: 500 } as const;

/**
 * Parses a stored state. A missing key is null; a state without an integer `version`
 * (written before versions existed) counts as version 0.
 * @throws CoreError `CORRUPT_DATA` when the value is not a JSON object: never overwrite
 *   that blindly, scenario 1's recovery must quarantine it first
 */
export function parseSessionState(sessionId: string, raw: string | null): SessionState | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new CoreError('CORRUPT_DATA', `session ${sessionId}: state is not valid JSON`, { cause, suggestion: 'run `manga-oncall diagnose --scenario 1 --session <id>`' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CoreError('CORRUPT_DATA', `session ${sessionId}: state is not a JSON object`, { suggestion: 'run `manga-oncall diagnose --scenario 1 --session <id>`' });
  }
  const version = (value as { version?: unknown }).version;
  return { ...value, version: Number.isSafeInteger(version) && (version as number) >= 0 ? (version as number) : 0 };
}

/**
 * Reads and writes the session state so that concurrent writers never lose each other's
 * updates (scenario 5). Fixes of the seed's DistributedSessionLock:
 * - WATCH/MULTI/EXEC on a connection lent to one attempt at a time (see
 *   {@link DedicatedConnectionPool}), never on the shared client;
 * - every write increments `version`, so readers and {@link compareAndSet} can detect change;
 * - full-jitter backoff, so colliding writers spread out instead of colliding again;
 * - no last-writer-wins fallback: when the attempts run out nothing is written and the
 *   caller gets {@link WriteConflictError} (overwriting is exactly the corruption this prevents);
 * - a corrupt state is reported (`CORRUPT_DATA`), not silently replaced by `{}`.
 * Every write sets the 1800 s inactivity expiry, as the other session keys have.
 */
export class SessionStateStore {
  private readonly layout: KeyLayout;
  private readonly ttlSeconds: number;
  private readonly pool: DedicatedConnectionPool;
  private readonly ownsPool: boolean;
  private readonly retry: Required<OptimisticRetryOptions>;

  constructor(
    private readonly redis: RedisClient,
    opts: SessionStateStoreOptions = {},
  ) {
    this.layout = opts.layout ?? DEFAULT_LAYOUT;
    this.ttlSeconds = opts.ttlSeconds ?? SESSION_TTL_SECONDS;
    this.ownsPool = !opts.pool;
    this.pool = opts.pool ?? new DedicatedConnectionPool(redis, { maxConnections: opts.maxConnections ?? 8 });
    this.retry = {
      maxAttempts: opts.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
      baseBackoffMs: opts.baseBackoffMs ?? RETRY_DEFAULTS.baseBackoffMs,
      maxBackoffMs: opts.maxBackoffMs ?? RETRY_DEFAULTS.maxBackoffMs,
      random: opts.random ?? Math.random,
    };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  }

  /** The current state, or null when the session has none. */
  async read(sessionId: SessionId): Promise<SessionState | null> {
    return parseSessionState(sessionId, await this.redis.get(sessionKeys(this.layout, sessionId).state));
  }

  /**
   * Optimistic read-modify-write: WATCH, read, `update`, MULTI/SET/EXEC; retried with backoff
   * when another writer got in between.
   * @throws WriteConflictError when every attempt met a concurrent write; nothing was written
   * @throws CoreError `CORRUPT_DATA` when the stored state is not a JSON object
   */
  async update(sessionId: SessionId, update: StateUpdateFn, opts: OptimisticRetryOptions = {}): Promise<StateUpdateResult> {
    const retry = { ...this.retry, ...opts };
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      const state = await this.attempt(sessionId, update);
      if (state) return { state, attempts: attempt };
      if (attempt < retry.maxAttempts) await sleep(jitteredBackoffMs(attempt - 1, retry.baseBackoffMs, retry.maxBackoffMs, retry.random));
    }
    throw new WriteConflictError(sessionId, retry.maxAttempts);
  }

  /**
   * Writes `next` only if the state is still at `expectedVersion` (0 for "no state yet"), for
   * callers holding a version from an earlier read. One atomic Lua script, no WATCH needed.
   * @throws CoreError `CORRUPT_DATA` when the stored state is not a JSON object
   */
  async compareAndSet(sessionId: SessionId, expectedVersion: number, next: Record<string, unknown>): Promise<CompareAndSetResult> {
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) throw new RangeError(`expected version must be a non-negative integer, got ${expectedVersion}`);
    const state: SessionState = { ...next, version: expectedVersion + 1 };
    const key = sessionKeys(this.layout, sessionId).state;
    const reply = (await runLuaScript(this.redis, luaScripts.compareAndSetState(), [key], [expectedVersion, JSON.stringify(state), this.ttlSeconds])) as [number, number];
    if (reply[0] === -1) throw new CoreError('CORRUPT_DATA', `session ${sessionId}: state is not a JSON object`);
    return reply[0] === 1 ? { written: true, state } : { written: false, currentVersion: reply[1] };
  }

  /** Closes the connections the store opened (not a pool that was passed in). */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }

  /** One WATCH..EXEC round on a lent connection: the written state, or null on a conflict. */
  private async attempt(sessionId: SessionId, update: StateUpdateFn): Promise<SessionState | null> {
    const key = sessionKeys(this.layout, sessionId).state;
    const conn = await this.pool.acquire();
    // The connection goes back to the pool only in a known state: no WATCH left behind.
    let reusable = false;
    let watching = false;
    try {
      await conn.watch(key);
      watching = true;
      const current = parseSessionState(sessionId, await conn.get(key));
      const next: SessionState = { ...(await update(current)), version: (current?.version ?? 0) + 1 };
      const replies = await conn.multi().set(key, JSON.stringify(next), 'EX', this.ttlSeconds).exec();
      watching = false; // EXEC ends the WATCH, whether it committed or not
      reusable = true;
      if (replies === null) return null; // a watched key changed: nothing was written
      const [err] = replies[0] ?? [null];
      if (err) throw err;
      return next;
    } catch (err) {
      if (watching) reusable = await conn.unwatch().then(() => true, () => false);
      throw err;
    } finally {
      if (reusable) this.pool.release(conn);
      else this.pool.discard(conn);
    }
  }
}
