/**
 * Writes of the session store against a real redis-server: save with backup in one
 * MULTI/EXEC, the three repairs (quarantine first, in the same transaction), idempotency,
 * byte-for-byte undo from quarantine, and the non-atomic (key by key) path.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError, WriteConflictError } from '../../src/core/errors.js';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { SessionStore, type SessionStoreOptions } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';
import { CORRUPT, enc, freshLayout, only, pictureOfAllKeys, pushRaw, turn, turns } from './core-sessions-fixtures.js';

let services: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;

beforeAll(async () => {
  services = await startRedis();
  redis = services.client();
});
afterAll(async () => services?.stop());

const id = parseSessionId('user-42:web');

function setup(opts: Partial<SessionStoreOptions> = {}) {
  const layout: KeyLayout = opts.layout ?? freshLayout();
  return { layout, store: new SessionStore({ redis, layout, ...opts }), keys: sessionKeys(layout, id) };
}

/** Records every command the server executes while `fn` runs (MONITOR on its own connection). */
async function monitored(fn: () => Promise<unknown>, prefix: string): Promise<string[][]> {
  const monitor = await redis.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
  await fn();
  // A PING on the monitored connection is seen after every earlier command: a fence, not a sleep.
  const fence = `fence-${prefix}`;
  await redis.echo(fence);
  await new Promise<void>((resolve) => {
    const check = () => (seen.some((a) => a[1] === fence) ? resolve() : setImmediate(check));
    check();
  });
  monitor.disconnect();
  const mine = (a: string[]) => ['multi', 'exec', 'watch', 'unwatch'].includes(a[0]!.toLowerCase()) || a.slice(1).some((x) => x.startsWith(prefix));
  return seen.filter(mine).map((a) => [a[0]!.toUpperCase(), ...a.slice(1, 2)]);
}

async function seedCorrupt(keys: ReturnType<typeof sessionKeys>, withBackup: boolean) {
  await pushRaw(redis, keys.turns, [enc(turn(0)), CORRUPT.truncated, enc(turn(1))]);
  if (withBackup) await redis.set(keys.backup, JSON.stringify(turns(3)), 'EX', 600);
}

describe('save', () => {
  it('writes turns and backup with TTLs in one MULTI/EXEC', async () => {
    const { store, keys, layout } = setup();
    const commands = await monitored(() => store.save(id, turns(3)), layout.prefix);
    expect(commands).toEqual([
      ['MULTI'],
      ['LLEN', keys.turns],
      ['SET', keys.backup],
      ['DEL', keys.turns],
      ['RPUSH', keys.turns],
      ['PEXPIRE', keys.turns],
      ['EXEC'],
    ]);
    expect((await redis.lrange(keys.turns, 0, -1)).map((e) => JSON.parse(e))).toEqual(turns(3));
    expect(JSON.parse((await redis.get(keys.backup))!)).toEqual(turns(3));
    for (const key of [keys.turns, keys.backup]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_800_000);
    }
  });

  it('another client never observes the turns list and the backup out of step', async () => {
    const { store, keys } = setup();
    const reader = services.client();
    const inconsistent: number[] = [];
    let saves = 0;
    const writer = (async () => {
      for (let n = 1; n <= 60; n++) {
        await store.save(id, turns(n));
        saves = n;
      }
    })();
    let reads = 0;
    while (saves < 60 || reads < 60) {
      const replies = await reader.multi().lrange(keys.turns, 0, -1).get(keys.backup).exec();
      const list = (replies?.[0]?.[1] as string[]).map((e) => JSON.parse(e));
      const backup = replies?.[1]?.[1] === null ? [] : JSON.parse(replies?.[1]?.[1] as string);
      if (JSON.stringify(list) !== JSON.stringify(backup)) inconsistent.push(list.length);
      reads++;
    }
    await writer;
    expect(inconsistent).toEqual([]);
  });

  it('refuses what is not a turn (CORRUPT_DATA) and writes nothing', async () => {
    const { store, layout } = setup();
    const err = await store.save(id, [turn(0), { role: 'user', content: 7 } as never]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe('CORRUPT_DATA');
    expect(await redis.keys(`${layout.prefix}:*`)).toEqual([]);
  });

  it('replaces a wrong-typed turns key and reports the turn counts', async () => {
    const { store, keys } = setup();
    await redis.hset(keys.turns, 'a', 'b');
    const result = await store.save(id, turns(2));
    expect(result).toMatchObject({ action: 'save', applied: true, verified: true, turnsBefore: 0, turnsAfter: 2, quarantineKey: null });
    const again = await store.save(id, turns(5));
    expect(again).toMatchObject({ turnsBefore: 2, turnsAfter: 5 });
  });
});

describe('repairs quarantine first, in the same transaction', () => {
  it('restoreFromBackup: WATCH, then one MULTI holding the quarantine SET before the rewrite', async () => {
    const { store, keys, layout } = setup();
    await seedCorrupt(keys, true);
    let result: Awaited<ReturnType<SessionStore['restoreFromBackup']>> | undefined;
    const commands = await monitored(async () => (result = await store.restoreFromBackup(id)), layout.prefix);
    const multi = commands.findIndex((c) => c[0] === 'MULTI');
    expect(commands[0]).toEqual(['WATCH', keys.turns]);
    expect(commands.slice(multi)).toEqual([
      ['MULTI'],
      ['SET', result!.quarantineKey!],
      ['DEL', keys.turns],
      ['RPUSH', keys.turns],
      ['PEXPIRE', keys.turns],
      ['PEXPIRE', keys.backup],
      ['EXEC'],
    ]);
    expect(result).toMatchObject({
      action: 'restore-backup',
      applied: true,
      verified: true,
      atomic: true,
      keysWritten: [keys.turns],
      keysDeleted: [],
      ttlRefreshed: [keys.backup],
      turnsBefore: 3,
      turnsAfter: 3,
      attempts: 1,
    });
    expect(result!.quarantineKey).toMatch(new RegExp(`^${layout.prefix}:quarantine:user-42:web:\\d+$`));
  });

  it('restoreFromBackup is refused when the backup is unusable, and nothing is written', async () => {
    const { store, keys, layout } = setup();
    await seedCorrupt(keys, false);
    await redis.set(keys.backup, '[{"role": "user"', 'EX', 600);
    const before = only(await pictureOfAllKeys(redis), [layout.prefix]);
    const err = await store.restoreFromBackup(id).catch((e: unknown) => e);
    expect((err as CoreError).code).toBe('PRECONDITION_FAILED');
    expect(only(await pictureOfAllKeys(redis), [layout.prefix])).toEqual(before);
  });

  it('partialRecover rewrites backup and list after quarantining both; refused when nothing is valid', async () => {
    const { store, keys } = setup();
    await seedCorrupt(keys, false);
    const result = await store.partialRecover(id);
    expect(result).toMatchObject({ applied: true, keysWritten: [keys.backup, keys.turns], turnsBefore: 3, turnsAfter: 2 });
    const record = await store.readQuarantine(result.quarantineKey!);
    expect(Object.keys(record.keys)).toEqual([keys.backup, keys.turns]);

    const other = setup();
    await pushRaw(redis, other.keys.turns, [CORRUPT.binary]);
    const err = await other.store.partialRecover(id).catch((e: unknown) => e);
    expect((err as CoreError).code).toBe('PRECONDITION_FAILED');
  });

  it('a write racing the repair aborts its EXEC; the retry quarantines the raced entry too, so it is not lost', async () => {
    const layout = freshLayout();
    const keys = sessionKeys(layout, id);
    let raced = false;
    // The clock is read after the data was read under WATCH and before MULTI: a write sent
    // then, on the same connection, reaches the server before our EXEC, always.
    const now = () => {
      if (!raced) {
        raced = true;
        void redis.rpush(keys.turns, enc(turn(9)));
      }
      return Date.now();
    };
    const store = new SessionStore({ redis, layout, now });
    await seedCorrupt(keys, false);
    const result = await store.partialRecover(id);
    expect(result.attempts).toBe(2);
    expect(result.turnsBefore).toBe(4);
    expect((await redis.lrange(keys.turns, 0, -1)).map((e) => JSON.parse(e))).toEqual([turn(0), turn(1), turn(9)]);
    const record = await store.readQuarantine(result.quarantineKey!);
    expect(record.keys[keys.turns]?.value).toHaveLength(4);
    expect(await store.listQuarantine(id)).toHaveLength(1);
  });

  it('gives up with WriteConflictError when the data changes on every attempt, having written nothing', async () => {
    const layout = freshLayout();
    const keys = sessionKeys(layout, id);
    const now = () => {
      void redis.rpush(keys.turns, enc(turn(9)));
      return Date.now();
    };
    const store = new SessionStore({ redis, layout, now, maxAttempts: 2 });
    await seedCorrupt(keys, false);
    const err = await store.partialRecover(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteConflictError);
    expect(await store.listQuarantine(id)).toEqual([]);
    expect(await redis.llen(keys.turns)).toBe(5);
  });

  it('two repairs in the same millisecond get two records: the second never overwrites the first', async () => {
    const { store, keys } = setup({ now: () => 1_750_000_000_000 });
    await seedCorrupt(keys, true);
    const first = await store.restoreFromBackup(id);
    await redis.rpush(keys.turns, CORRUPT.binary);
    const second = await store.cleanSlate(id);
    expect(first.quarantineKey).not.toEqual(second.quarantineKey);
    expect((await store.listQuarantine(id)).map((r) => r.at)).toEqual([1_750_000_000_000, 1_750_000_000_001]);
  });

  it('dry run decides and reports, and writes nothing', async () => {
    const { store, keys, layout } = setup();
    await seedCorrupt(keys, true);
    const before = only(await pictureOfAllKeys(redis), [layout.prefix]);
    const plan = await store.cleanSlate(id, { dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, applied: false, keysDeleted: [keys.turns, keys.backup], quarantineKey: null });
    expect(only(await pictureOfAllKeys(redis), [layout.prefix])).toEqual(before);
  });
});

describe('idempotency: applying twice equals applying once', () => {
  for (const action of ['restoreFromBackup', 'partialRecover', 'cleanSlate'] as const) {
    it(`${action}`, async () => {
      const { store, keys, layout } = setup();
      await seedCorrupt(keys, action === 'restoreFromBackup');
      const first = await store[action](id);
      expect(first.applied).toBe(true);
      const afterOnce = only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]);
      const second = await store[action](id);
      expect(second).toMatchObject({ applied: false, quarantineKey: null, keysWritten: [], keysDeleted: [] });
      expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`])).toEqual(afterOnce);
      expect(await store.listQuarantine(id)).toHaveLength(1);
    });
  }
});

describe('restoreFromQuarantine', () => {
  async function seedEverything(keys: ReturnType<typeof sessionKeys>) {
    await pushRaw(redis, keys.turns, [enc(turn(0)), CORRUPT.binary, CORRUPT.truncated]);
    await redis.pexpire(keys.turns, 700_000);
    await redis.set(keys.backup, Buffer.from([0x5b, 0xff, 0x00]), 'PX', 500_000);
    await redis.set(keys.state, '{"version":7}', 'EX', 900);
    await redis.hset(keys.routes, { agent: 'A', confidence: '0.4' });
    await redis.expire(keys.routes, 900);
    await redis.set(keys.pin, 'RecommendationAgent');
  }

  it('puts back every key byte-for-byte (DUMP equal), with its type and TTL', async () => {
    const { store, keys, layout } = setup();
    await seedEverything(keys);
    const original = only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]);
    const ttls = Object.fromEntries(await Promise.all(Object.values(keys).map(async (k) => [k, await redis.pttl(k)] as const)));
    const wiped = await store.cleanSlate(id);
    expect(wiped.keysDeleted).toHaveLength(5);
    expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]).size).toBe(0);

    const undo = await store.restoreFromQuarantine(wiped.quarantineKey!);
    expect(undo).toMatchObject({ action: 'restore-quarantine', applied: true, verified: true, turnsBefore: 0, turnsAfter: 3 });
    expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`])).toEqual(original);
    expect(await redis.pttl(keys.pin)).toBe(-1);
    for (const key of [keys.turns, keys.backup, keys.state, keys.routes]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(ttls[key]!);
    }
    // Idempotent: a second undo finds everything in place.
    expect((await store.restoreFromQuarantine(wiped.quarantineKey!)).applied).toBe(false);
    // The undo quarantined what it replaced (nothing: all absent), so it can itself be undone.
    const undoRecord = await store.readQuarantine(undo.quarantineKey!);
    expect(Object.values(undoRecord.keys).every((k) => k.type === 'none')).toBe(true);
    await store.restoreFromQuarantine(undo.quarantineKey!);
    expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]).size).toBe(0);
  });

  it('undoes a restore-backup exactly, including "the list did not exist"', async () => {
    const { store, keys, layout } = setup();
    await redis.set(keys.backup, JSON.stringify(turns(2)), 'EX', 600);
    const original = only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]);
    const restored = await store.restoreFromBackup(id);
    expect(await redis.exists(keys.turns)).toBe(1);
    await store.restoreFromQuarantine(restored.quarantineKey!);
    expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`])).toEqual(original);
  });

  it('refuses a record that names a key of another session, and writes nothing', async () => {
    const { store, keys, layout } = setup();
    await seedCorrupt(keys, true);
    const { quarantineKey } = await store.restoreFromBackup(id);
    const record = JSON.parse((await redis.get(quarantineKey!))!);
    const victim = sessionKeys(layout, parseSessionId('victim')).pin;
    record.keys[victim] = { type: 'string', ttlMs: -1, encoding: 'utf8', value: 'pwned' };
    await redis.set(quarantineKey!, JSON.stringify(record));
    const before = await pictureOfAllKeys(redis);
    const err = await store.restoreFromQuarantine(quarantineKey!).catch((e: unknown) => e);
    expect((err as CoreError).code).toBe('CORRUPT_DATA');
    expect(await pictureOfAllKeys(redis)).toEqual(before);
  });

  it('a missing record is NOT_FOUND; a key that is not a quarantine key is NOT_FOUND too', async () => {
    const { store, layout } = setup();
    expect(((await store.restoreFromQuarantine(`${layout.prefix}:quarantine:${id}:1`).catch((e: unknown) => e)) as CoreError).code).toBe('NOT_FOUND');
    expect(((await store.restoreFromQuarantine(`${layout.prefix}:session:${id}:turns`).catch((e: unknown) => e)) as CoreError).code).toBe('NOT_FOUND');
  });

  it('listQuarantine of "a" does not return the records of session "a:1"', async () => {
    const layout = freshLayout();
    const store = new SessionStore({ redis, layout });
    for (const raw of ['a', 'a:1']) {
      const sid = parseSessionId(raw);
      await redis.set(sessionKeys(layout, sid).pin, 'x');
      await store.cleanSlate(sid);
    }
    const refs = await store.listQuarantine(parseSessionId('a'));
    expect(refs).toHaveLength(1);
    expect(refs[0]!.key).toMatch(new RegExp(`^${layout.prefix}:quarantine:a:\\d+$`));
  });
});

describe('atomic: false (key by key, for a cluster without hash tags)', () => {
  it('saves backup first, then the list, and verifies by reading back', async () => {
    const { store, keys, layout } = setup({ atomic: false });
    const commands = await monitored(() => store.save(id, turns(3)), layout.prefix);
    const writes = commands.filter((c) => ['SET', 'DEL', 'RPUSH'].includes(c[0]!));
    expect(writes).toEqual([
      ['SET', keys.backup],
      ['DEL', keys.turns],
      ['RPUSH', keys.turns],
    ]);
    expect((await store.load(id)).turns).toEqual(turns(3));
  });

  it('load repairs, each repair quarantines first (SET NX) and verifies; undo restores byte-for-byte', async () => {
    const { store, keys, layout } = setup({ atomic: false });
    await seedCorrupt(keys, false);
    const original = only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`]);
    let loaded: Awaited<ReturnType<SessionStore['load']>> | undefined;
    const commands = await monitored(async () => (loaded = await store.load(id)), layout.prefix);
    expect(loaded).toMatchObject({ source: 'partial', turns: [turn(0), turn(1)] });
    expect(loaded!.write).toMatchObject({ atomic: false, verified: true, applied: true });
    const firstWrite = commands.findIndex((c) => ['DEL', 'RPUSH'].includes(c[0]!) || (c[0] === 'SET' && c[1] !== loaded!.quarantineKeys[0]));
    const quarantineSet = commands.findIndex((c) => c[0] === 'SET' && c[1] === loaded!.quarantineKeys[0]);
    expect(quarantineSet).toBeGreaterThanOrEqual(0);
    expect(quarantineSet).toBeLessThan(firstWrite);

    const again = await store.partialRecover(id);
    expect(again.applied).toBe(false);
    await store.restoreFromQuarantine(loaded!.quarantineKeys[0]!);
    expect(only(await pictureOfAllKeys(redis), [`${layout.prefix}:session:`])).toEqual(original);
  });

  it('clean slate key by key leaves nothing and keeps everything in the record', async () => {
    const { store, keys } = setup({ atomic: false });
    await seedCorrupt(keys, true);
    await redis.set(keys.pin, 'A');
    const result = await store.cleanSlate(id);
    expect(result).toMatchObject({ applied: true, verified: true, atomic: false });
    expect(await redis.exists(keys.turns, keys.backup, keys.pin)).toBe(0);
    expect(Object.keys((await store.readQuarantine(result.quarantineKey!)).keys)).toHaveLength(3);
  });
});
