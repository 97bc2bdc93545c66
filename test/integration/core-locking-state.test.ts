import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { incrementCounter, seedUpdateWithLock, type SeedUpdateStats } from '../../src/bench/optimistic-update.js';
import { CoreError, WriteConflictError } from '../../src/core/errors.js';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { DedicatedConnectionPool, SessionStateStore } from '../../src/core/locking/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
// Each test gets its own key prefix, so tests never see each other's data.
const freshLayout = (): KeyLayout => ({ prefix: `t${randomBytes(4).toString('hex')}`, hashTags: false });
const sid = parseSessionId('sess-1');

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

const WRITERS = 50;
const INCREMENTS = 20;

describe('optimistic update of the session state under 50-way contention', () => {
  it('ours: every one of 1000 increments lands, and version counts them', async () => {
    const layout = freshLayout();
    const store = new SessionStateStore(client, { layout, maxConnections: WRITERS, maxAttempts: 500, baseBackoffMs: 2, maxBackoffMs: 100 });
    let gaveUp = 0;
    let retries = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < INCREMENTS; i++) {
          try {
            const { attempts } = await store.update(sid, incrementCounter);
            retries += attempts - 1; // read after the await: `x += await f()` would read x before it
          } catch (err) {
            if (err instanceof WriteConflictError) gaveUp++;
            else throw err;
          }
        }
      }),
    );
    await store.close();
    const state = JSON.parse((await client.get(sessionKeys(layout, sid).state)) as string);
    expect(gaveUp).toBe(0);
    expect(state.counter).toBe(WRITERS * INCREMENTS);
    expect(state.version).toBe(WRITERS * INCREMENTS);
    // The contention was real: writers did collide and retry.
    expect(retries).toBeGreaterThan(0);
  });

  it("the seed's algorithm (3 retries, then last-writer-wins) loses updates under the same load", async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    const conns = Array.from({ length: WRITERS }, () => redis.client());
    const stats: SeedUpdateStats = { watchConflicts: 0, lastWriterWinsFallbacks: 0 };
    await Promise.all(
      conns.map(async (conn) => {
        for (let i = 0; i < INCREMENTS; i++) await seedUpdateWithLock(conn, key, incrementCounter, stats);
      }),
    );
    const state = JSON.parse((await client.get(key)) as string);
    expect(stats.lastWriterWinsFallbacks).toBeGreaterThan(0);
    expect(state.counter).toBeLessThan(WRITERS * INCREMENTS);
  });
});

describe('SessionStateStore', () => {
  it('gives up with WriteConflictError after maxAttempts, and leaves the other writer’s data alone', async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    const other = redis.client();
    const store = new SessionStateStore(client, { layout, maxAttempts: 3, baseBackoffMs: 1, maxBackoffMs: 2 });
    let calls = 0;
    const err = await store
      .update(sid, async (current) => {
        calls++;
        // Another writer gets in between our read and our write, every time.
        await other.set(key, JSON.stringify({ version: 100 + calls, owner: 'other' }));
        return { ...current, owner: 'us' };
      })
      .catch((e: unknown) => e);
    await store.close();
    expect(err).toBeInstanceOf(WriteConflictError);
    expect((err as WriteConflictError).attempts).toBe(3);
    expect((err as WriteConflictError).code).toBe('WRITE_CONFLICT');
    expect(calls).toBe(3);
    expect(JSON.parse((await client.get(key)) as string)).toEqual({ version: 103, owner: 'other' });
  });

  it('writes with the 1800 s inactivity expiry and increments version from a legacy state', async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    await client.set(key, JSON.stringify({ cart: ['a'] })); // no version, no expiry
    const store = new SessionStateStore(client, { layout });
    const { state, attempts } = await store.update(sid, (cur) => ({ ...cur, cart: [...((cur?.cart as string[]) ?? []), 'b'] }));
    await store.close();
    expect(attempts).toBe(1);
    expect(state).toEqual({ cart: ['a', 'b'], version: 1 });
    const ttl = await client.ttl(key);
    expect(ttl).toBeGreaterThan(1790);
    expect(ttl).toBeLessThanOrEqual(1800);
  });

  it('reports a corrupt state as CORRUPT_DATA and does not overwrite it', async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    const store = new SessionStateStore(client, { layout });
    for (const bad of ['{"version": 3, "cart": [', '[1,2]', '42']) {
      await client.set(key, bad);
      const err = await store.update(sid, (cur) => ({ ...cur })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CoreError);
      expect((err as CoreError).code).toBe('CORRUPT_DATA');
      const cas = await store.compareAndSet(sid, 3, { cart: [] }).catch((e: unknown) => e);
      expect((cas as CoreError).code).toBe('CORRUPT_DATA');
      expect(await client.get(key)).toBe(bad);
    }
    await store.close();
  });

  it('returns a connection to the pool without a leftover WATCH when the update function throws', async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    const pool = new DedicatedConnectionPool(client, { maxConnections: 1 });
    const store = new SessionStateStore(client, { layout, pool, maxAttempts: 1 });
    await store.update(sid, () => ({ n: 1 }));
    await expect(store.update(sid, () => Promise.reject(new Error('agent failed')))).rejects.toThrow('agent failed');
    // Had the WATCH survived on the pool's only connection, this change would abort the
    // next transaction on it, and with maxAttempts 1 that is a WriteConflictError.
    await client.set(key, JSON.stringify({ version: 7, n: 7 }));
    const { state } = await store.update(sid, (cur) => ({ n: (cur?.n as number) + 1 }));
    expect(state).toEqual({ n: 8, version: 8 });
    expect(pool.size).toBe(1);
    await pool.close();
  });

  it('compareAndSet writes only at the expected version, keeps JSON intact and sets the expiry', async () => {
    const layout = freshLayout();
    const key = sessionKeys(layout, sid).state;
    const store = new SessionStateStore(client, { layout });
    expect(await store.compareAndSet(sid, 0, { cart: [], tags: {} })).toEqual({ written: true, state: { cart: [], tags: {}, version: 1 } });
    // Empty arrays stay arrays: the script never re-encodes the caller's JSON.
    expect(await client.get(key)).toBe('{"cart":[],"tags":{},"version":1}');
    expect(await store.compareAndSet(sid, 0, { cart: ['x'] })).toEqual({ written: false, currentVersion: 1 });
    await store.update(sid, (cur) => ({ ...cur, cart: ['y'] }));
    expect(await store.compareAndSet(sid, 1, { cart: ['z'] })).toEqual({ written: false, currentVersion: 2 });
    expect(await store.compareAndSet(sid, 2, { cart: ['z'] })).toEqual({ written: true, state: { cart: ['z'], version: 3 } });
    expect(await store.read(sid)).toEqual({ cart: ['z'], version: 3 });
    expect(await client.ttl(key)).toBeGreaterThan(1790);
    await store.close();
  });
});
