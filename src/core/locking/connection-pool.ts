import type { RedisClient } from '../lua-scripts.js';

export interface DedicatedConnectionPoolOptions {
  /** Upper bound on connections opened; callers beyond it wait their turn (FIFO). */
  maxConnections?: number;
}

/**
 * A small pool of connections made with `duplicate()` of a base client, lent out one
 * caller at a time.
 *
 * Why: WATCH belongs to the connection, not to the caller. On one shared ioredis connection,
 * caller A's WATCH, caller B's WATCH and A's EXEC interleave, B's write can slip between A's
 * GET and EXEC unseen, and any EXEC clears every WATCH of the connection. A connection per
 * attempt is correct but pays a TCP (and TLS) handshake per write; a pool pays it once per
 * connection and caps how many sockets a burst can open on ElastiCache.
 */
export class DedicatedConnectionPool {
  private readonly idle: RedisClient[] = [];
  private readonly all = new Set<RedisClient>();
  private readonly waiters: { resolve: (c: RedisClient) => void; reject: (e: Error) => void }[] = [];
  private readonly max: number;
  private closed = false;

  constructor(
    private readonly base: RedisClient,
    opts: DedicatedConnectionPoolOptions = {},
  ) {
    this.max = opts.maxConnections ?? 8;
    if (!Number.isInteger(this.max) || this.max < 1) throw new RangeError(`maxConnections must be a positive integer, got ${this.max}`);
  }

  /** Connections currently open (idle or lent). */
  get size(): number {
    return this.all.size;
  }

  /** A connection for the caller's exclusive use until {@link release} or {@link discard}. */
  acquire(): Promise<RedisClient> {
    if (this.closed) return Promise.reject(new Error('connection pool is closed'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.all.size < this.max) return Promise.resolve(this.open());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Returns a healthy connection, with no WATCH or MULTI pending, to the pool. */
  release(conn: RedisClient): void {
    if (!this.all.has(conn)) return;
    if (this.closed) {
      this.drop(conn);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(conn);
    else this.idle.push(conn);
  }

  /** Closes a connection whose state is unknown (a failed command mid-transaction). */
  discard(conn: RedisClient): void {
    if (!this.all.has(conn)) return;
    this.drop(conn);
    const waiter = this.waiters.shift();
    if (waiter) {
      if (this.closed) waiter.reject(new Error('connection pool is closed'));
      else waiter.resolve(this.open());
    }
  }

  /** Closes every connection; lent ones close when returned. Waiting callers are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('connection pool is closed'));
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((c) => this.quit(c)));
  }

  private open(): RedisClient {
    const conn = this.base.duplicate();
    // Failures reach the caller as rejected commands; without a listener ioredis would also
    // print them to stderr, and library code does not print.
    conn.on('error', () => undefined);
    this.all.add(conn);
    return conn;
  }

  private drop(conn: RedisClient): void {
    this.all.delete(conn);
    void this.quit(conn);
  }

  private async quit(conn: RedisClient): Promise<void> {
    this.all.delete(conn);
    try {
      await conn.quit();
    } catch {
      conn.disconnect();
    }
  }
}
