import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { CoreError } from '../../src/core/errors.js';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import {
  DistributedSessionLock,
  forceReleaseLock,
  inspectSessionLock,
  inspectSessionLocks,
  lockHolderOf,
  releaseLockIfStale,
  SessionRequestSerializer,
} from '../../src/core/locking/index.js';
import { loadLuaScript, luaScripts, runLuaScript } from '../../src/core/lua-scripts.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
const freshLayout = (hashTags = false): KeyLayout => ({ prefix: `t${randomBytes(4).toString('hex')}`, hashTags });
const sid = parseSessionId('sess-1');

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

/** Waits until the key is gone: the lease really expired, as it would in production. */
async function untilExpired(key: string): Promise<void> {
  while ((await client.pttl(key)) !== -2) await new Promise((r) => setTimeout(r, 5));
}

describe('DistributedSessionLock', () => {
  it('acquires with NX and a PX lease, and its token says who holds it', async () => {
    const layout = freshLayout();
    const lock = new DistributedSessionLock(client, { layout, ttlMs: 30_000 });
    const lease = await lock.tryAcquire(sid);
    expect(lease).not.toBeNull();
    expect(lease?.key).toBe(sessionKeys(layout, sid).lock);
    expect(await client.get(lease!.key)).toBe(lease!.token);
    const pttl = await client.pttl(lease!.key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(30_000);
    expect(lockHolderOf(lease!.token)).toMatchObject({ host: hostname().replace(/[:\s]/g, '-'), pid: process.pid });
    expect(await lock.tryAcquire(sid)).toBeNull();
    expect(await lock.release(lease!)).toBe(true);
    expect(await client.exists(lease!.key)).toBe(0);
  });

  it('a holder whose lease expired can neither release nor extend the next holder’s lock', async () => {
    const layout = freshLayout();
    const lock = new DistributedSessionLock(client, { layout });
    const first = await lock.tryAcquire(sid, 30);
    await untilExpired(first!.key);
    const second = await lock.tryAcquire(sid, 60_000);
    expect(second).not.toBeNull();
    expect(await lock.release(first!)).toBe(false);
    expect(await lock.extend(first!, 120_000)).toBeNull();
    expect(await client.get(second!.key)).toBe(second!.token);
    expect(await client.pttl(second!.key)).toBeLessThanOrEqual(60_000);
    expect(await lock.release(second!)).toBe(true);
  });

  it('the holder can extend its own lease', async () => {
    const lock = new DistributedSessionLock(client, { layout: freshLayout() });
    const lease = await lock.tryAcquire(sid, 1_000);
    const extended = await lock.extend(lease!, 600_000);
    expect(extended?.ttlMs).toBe(600_000);
    expect(await client.pttl(lease!.key)).toBeGreaterThan(1_000);
  });

  it('withLock refuses with LOCK_HELD while another holder has it, and reports a lease lost mid-work', async () => {
    const layout = freshLayout();
    const lock = new DistributedSessionLock(client, { layout });
    const other = await lock.tryAcquire(sid, 60_000);
    const held = await lock.withLock(sid, async () => 'ran', { waitMs: 0 }).catch((e: unknown) => e);
    expect((held as CoreError).code).toBe('LOCK_HELD');
    await lock.release(other!);

    const lost = await lock
      .withLock(sid, async (lease) => {
        await untilExpired(lease.key);
        await lock.tryAcquire(sid, 60_000); // someone else moves in
        return 'done';
      }, { ttlMs: 30 })
      .catch((e: unknown) => e);
    expect((lost as CoreError).code).toBe('LOCK_NOT_HELD');
    expect(await client.exists(sessionKeys(layout, sid).lock)).toBe(1); // the newcomer's lock survives
  });

  it('acquire waits for the holder to release', async () => {
    const lock = new DistributedSessionLock(client, { layout: freshLayout() });
    const first = await lock.tryAcquire(sid);
    const waiting = lock.acquire(sid, { waitMs: 30_000, retryDelayMs: 2 });
    await lock.release(first!);
    const second = await waiting;
    expect(second.token).not.toBe(first!.token);
    await lock.release(second);
  });
});

describe('Lua scripts', () => {
  it('are read from src/core/lua with their key count, and survive SCRIPT FLUSH (NOSCRIPT -> EVAL)', async () => {
    const release = luaScripts.releaseLock();
    expect(release.numberOfKeys).toBe(1);
    expect(release.source).toContain('KEYS[1]');
    expect(loadLuaScript('releaseLock-1')).toBe(release);
    const lock = new DistributedSessionLock(client, { layout: freshLayout() });
    const lease = await lock.tryAcquire(sid);
    await client.script('FLUSH');
    expect(await client.script('EXISTS', release.sha)).toEqual([0]);
    expect(await lock.release(lease!)).toBe(true);
    // The fallback EVAL cached the script: the next call is an EVALSHA hit.
    expect(await client.script('EXISTS', release.sha)).toEqual([1]);
    await expect(runLuaScript(client, release, [], ['x'])).rejects.toThrow(/takes 1 keys/);
  });
});

describe('SessionRequestSerializer', () => {
  it('runs one session’s tasks in submission order, other sessions alongside, and forgets idle sessions', async () => {
    const serializer = new SessionRequestSerializer();
    const log: string[] = [];
    const task = (id: string, n: number, delayMs: number, fail = false) => () =>
      new Promise<number>((resolve, reject) => {
        log.push(`${id}${n}:start`);
        setTimeout(() => {
          log.push(`${id}${n}:end`);
          if (fail) reject(new Error(`${id}${n} failed`));
          else resolve(n);
        }, delayMs);
      });
    const a1 = serializer.run('a', task('a', 1, 30));
    const a2 = serializer.run('a', task('a', 2, 1, true));
    const a3 = serializer.run('a', task('a', 3, 1));
    const b1 = serializer.run('b', task('b', 1, 1));
    expect(serializer.busySessions).toBe(2);
    await expect(a2).rejects.toThrow('a2 failed');
    expect(await Promise.all([a1, a3, b1])).toEqual([1, 3, 1]);
    const aOnly = log.filter((e) => e.startsWith('a'));
    expect(aOnly).toEqual(['a1:start', 'a1:end', 'a2:start', 'a2:end', 'a3:start', 'a3:end']);
    // b did not wait for a's queue.
    expect(log.indexOf('b1:end')).toBeLessThan(log.indexOf('a1:end'));
    await new Promise((r) => setImmediate(r));
    expect(serializer.busySessions).toBe(0);
  });
});

describe('stale-lock detection and release', () => {
  async function seedLocks(layout: KeyLayout) {
    const ids = {
      live: parseSessionId('live-1'),
      forever: parseSessionId('forever-1'),
      absent: parseSessionId('absent-1'),
      odd: parseSessionId('odd-1'),
    };
    const k = (id: SessionId) => sessionKeys(layout, id).lock;
    const lock = new DistributedSessionLock(client, { layout });
    const live = await lock.tryAcquire(ids.live, 60_000);
    await client.set(k(ids.forever), 'legacy-token'); // SET without PX: nobody will ever release it
    await client.rpush(k(ids.odd), 'x');
    return { ids, live: live!, k };
  }

  it('classifies live, no_expiry, absent and wrong_type, with holder and remaining lease', async () => {
    const layout = freshLayout(true);
    const { ids, live, k } = await seedLocks(layout);
    const [a, b, c, d] = await inspectSessionLocks(client, [ids.live, ids.forever, ids.absent, ids.odd], { layout });
    expect(a).toMatchObject({ sessionId: ids.live, key: k(ids.live), status: 'live', token: live.token, holder: { pid: process.pid } });
    expect(a!.remainingMs).toBeGreaterThan(0);
    expect(a!.remainingMs).toBeLessThanOrEqual(60_000);
    expect(b).toMatchObject({ status: 'no_expiry', token: 'legacy-token', holder: null, remainingMs: null });
    expect(c).toMatchObject({ status: 'absent', token: null, remainingMs: null });
    expect(d).toMatchObject({ status: 'wrong_type' });
    expect(k(ids.live)).toContain('{live-1}');
  });

  it('pipelines many sessions across batches, in order', async () => {
    const layout = freshLayout();
    const ids = Array.from({ length: 1200 }, (_, i) => parseSessionId(`s${i}`));
    const pipe = client.pipeline();
    ids.forEach((id, i) => {
      if (i % 3 === 0) pipe.set(sessionKeys(layout, id).lock, `t${i}`, 'PX', 60_000);
      else if (i % 3 === 1) pipe.set(sessionKeys(layout, id).lock, `t${i}`);
    });
    await pipe.exec();
    const found = await inspectSessionLocks(client, ids, { layout, batchSize: 500 });
    expect(found).toHaveLength(1200);
    found.forEach((f, i) => {
      expect(f.sessionId).toBe(ids[i]);
      expect(f.status).toBe(['live', 'no_expiry', 'absent'][i % 3]);
      expect(f.token).toBe(i % 3 === 2 ? null : `t${i}`);
    });
  });

  it('releaseLockIfStale deletes only a lock with no expiry; a live holder is left alone', async () => {
    const layout = freshLayout();
    const { ids, live, k } = await seedLocks(layout);
    expect(await releaseLockIfStale(client, ids.live, { layout })).toMatchObject({ outcome: 'live', inspection: { token: live.token } });
    expect(await client.get(k(ids.live))).toBe(live.token);
    const r = await releaseLockIfStale(client, ids.forever, { layout });
    expect(r).toMatchObject({ outcome: 'released', inspection: { status: 'no_expiry', token: 'legacy-token' } });
    expect(await client.exists(k(ids.forever))).toBe(0);
    expect((await releaseLockIfStale(client, ids.forever, { layout })).outcome).toBe('absent');
    expect((await releaseLockIfStale(client, ids.odd, { layout })).outcome).toBe('wrong_type');
    expect(await client.type(k(ids.odd))).toBe('list');
  });

  it('a forced release with an observed token does not delete a lock re-acquired since', async () => {
    const layout = freshLayout();
    const lock = new DistributedSessionLock(client, { layout });
    const observed = await inspectSessionLock(client, sid, { layout });
    expect(observed.status).toBe('absent');
    const old = await lock.tryAcquire(sid, 60_000);
    const seen = await inspectSessionLock(client, sid, { layout });
    await lock.release(old!);
    const fresh = await lock.tryAcquire(sid, 60_000);
    expect(await forceReleaseLock(client, sid, seen.token!, { layout })).toBe(false);
    expect(await client.get(fresh!.key)).toBe(fresh!.token);
    expect(await forceReleaseLock(client, sid, fresh!.token, { layout })).toBe(true);
    expect(await client.exists(fresh!.key)).toBe(0);
  });
});
