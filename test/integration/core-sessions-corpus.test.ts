/**
 * The corrupted-payload corpus of scenario 1, loaded through SessionStore.load against a
 * real redis-server: for each kind of damage, what the cascade answered, what it kept, and
 * that the quarantine record holds the original bytes.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUARANTINE_TTL_SECONDS, sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { quarantinedToSnapshot } from '../../src/core/quarantine.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';
import { CORRUPT, enc, firstDifference, freshLayout, pushRaw, turn, turns } from './core-sessions-fixtures.js';

let services: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;

beforeAll(async () => {
  services = await startRedis();
  redis = services.client();
});
afterAll(async () => services?.stop());

const id = parseSessionId('sess-001');

function setup(): { layout: KeyLayout; store: SessionStore; keys: ReturnType<typeof sessionKeys> } {
  const layout = freshLayout();
  return { layout, store: new SessionStore({ redis, layout }), keys: sessionKeys(layout, id) };
}

/** The entries of a quarantined key as bytes, decoded from the record. */
async function quarantinedBytes(store: SessionStore, qkey: string, key: string): Promise<Buffer[] | Buffer | null> {
  const record = await store.readQuarantine(qkey);
  const q = record.keys[key];
  if (!q) throw new Error(`record ${qkey} lacks ${key}`);
  const snap = quarantinedToSnapshot(key, q);
  return snap.form === 'list' ? snap.entries : snap.form === 'string' ? snap.value : snap.form === 'dump' ? snap.payload : null;
}

describe('SessionStore.load: the corrupted-payload corpus', () => {
  it('a healthy session loads from the primary and writes nothing', async () => {
    const { store, layout } = setup();
    await store.save(id, turns(4));
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'primary', recovered: false, quarantineKeys: [], write: null });
    expect(loaded.turns).toEqual(turns(4));
    expect(loaded.counts).toEqual({ entries: 4, valid: 4, invalid: 0 });
    expect(await redis.keys(`${layout.prefix}:quarantine:*`)).toEqual([]);
  });

  it('no data at all is "empty", not corruption: nothing is created', async () => {
    const { store, layout } = setup();
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'empty', recovered: false, turns: [], quarantineKeys: [] });
    expect(loaded.classification.status).toBe('empty');
    expect(await redis.keys(`${layout.prefix}:*`)).toEqual([]);
  });

  it('an emptied list (RPUSH then LPOP: Redis drops the key) with a "[]" backup is empty too', async () => {
    const { store, keys } = setup();
    await redis.rpush(keys.turns, enc(turn(0)));
    await redis.lpop(keys.turns);
    await redis.set(keys.backup, '[]', 'EX', 60);
    expect(await redis.exists(keys.turns)).toBe(0);
    expect((await store.load(id)).source).toBe('empty');
  });

  it('truncated JSON with a complete backup: restored from the backup, the damaged list quarantined byte-for-byte', async () => {
    const { store, keys } = setup();
    const original = [enc(turn(0)), enc(turn(1)), CORRUPT.truncated];
    await pushRaw(redis, keys.turns, original);
    await redis.set(keys.backup, JSON.stringify(turns(3)), 'EX', 600);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'backup', recovered: true });
    expect(loaded.counts).toEqual({ entries: 3, valid: 2, invalid: 1 });
    expect(loaded.classification.primary.problems).toEqual({ not_utf8: 0, invalid_json: 1, not_a_turn: 0 });
    expect(loaded.turns).toEqual(turns(3));
    expect(loaded.quarantineKeys).toHaveLength(1);
    const qkey = loaded.quarantineKeys[0]!;
    expect(await quarantinedBytes(store, qkey, keys.turns)).toEqual(original);
    // The backup's TTL is refreshed too, so its pre-image is in the record (undo puts the TTL back).
    expect(Object.keys((await store.readQuarantine(qkey)).keys)).toEqual([keys.turns, keys.backup]);
    expect((await redis.lrangeBuffer(keys.turns, 0, -1)).map((b) => JSON.parse(b.toString()))).toEqual(turns(3));
    const qttl = await redis.ttl(qkey);
    expect(qttl).toBeGreaterThan(QUARANTINE_TTL_SECONDS - 60);
    expect(qttl).toBeLessThanOrEqual(QUARANTINE_TTL_SECONDS);
  });

  it('truncated JSON without a backup: partial recovery keeps the valid entries\' original bytes', async () => {
    const { store, keys } = setup();
    // Python's json.dumps spacing: kept as written, not re-encoded.
    const pythonStyle = Buffer.from('{"role": "user", "content": "鬼滅の刃", "agent_name": null, "ts": 1700000000000}', 'utf8');
    const original = [pythonStyle, CORRUPT.truncated, enc(turn(1))];
    await pushRaw(redis, keys.turns, original);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'partial', recovered: true });
    expect(loaded.turns).toEqual([{ role: 'user', content: '鬼滅の刃', ts: 1700000000000 }, turn(1)]);
    expect(await redis.lrangeBuffer(keys.turns, 0, -1)).toEqual([pythonStyle, enc(turn(1))]);
    expect(JSON.parse((await redis.get(keys.backup))!)).toEqual([
      { role: 'user', content: '鬼滅の刃', agent_name: null, ts: 1700000000000 },
      turn(1),
    ]);
    const qkey = loaded.quarantineKeys[0]!;
    expect(await quarantinedBytes(store, qkey, keys.turns)).toEqual(original);
    const record = await store.readQuarantine(qkey);
    expect(record.keys[keys.backup]).toEqual({ type: 'none', ttlMs: -2, value: null });
    expect(record.details).toEqual({ invalidEntries: [{ index: 1, problem: 'invalid_json' }] });
    expect(record).toMatchObject({ sessionId: id, action: 'partial-recover' });
  });

  it('binary garbage: told apart from JSON errors, and quarantined as base64 that decodes to the same bytes', async () => {
    const { store, keys } = setup();
    const original = [enc(turn(0)), CORRUPT.binary];
    await pushRaw(redis, keys.turns, original);
    const loaded = await store.load(id);
    expect(loaded.source).toBe('partial');
    expect(loaded.classification.primary.problems.not_utf8).toBe(1);
    const record = await store.readQuarantine(loaded.quarantineKeys[0]!);
    expect(record.keys[keys.turns]).toMatchObject({ type: 'list', encoding: 'base64' });
    expect(await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)).toEqual(original);
    expect(await redis.lrangeBuffer(keys.turns, 0, -1)).toEqual([enc(turn(0))]);
  });

  it('JSON that parses but is not a turn counts as corrupt, each kind of it', async () => {
    const { store, keys } = setup();
    const notTurns = [CORRUPT.number, CORRUPT.array, CORRUPT.wrongRole, CORRUPT.noTs, CORRUPT.nullValue];
    await pushRaw(redis, keys.turns, [enc(turn(0)), ...notTurns, enc(turn(1))]);
    const loaded = await store.load(id);
    expect(loaded.source).toBe('partial');
    expect(loaded.counts).toEqual({ entries: 7, valid: 2, invalid: 5 });
    expect(loaded.classification.primary.problems).toEqual({ not_utf8: 0, invalid_json: 0, not_a_turn: 5 });
    expect(loaded.classification.primary.invalidIndexes).toEqual([1, 2, 3, 4, 5]);
    expect(loaded.turns).toEqual([turn(0), turn(1)]);
    expect(await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)).toEqual([enc(turn(0)), ...notTurns, enc(turn(1))]);
  });

  it('nothing valid and no backup: clean slate quarantines every session key first, and leaves the lock alone', async () => {
    const { store, keys } = setup();
    await pushRaw(redis, keys.turns, [CORRUPT.truncated, CORRUPT.binary]);
    await redis.set(keys.state, '{"version":3,"cart":["x"]}', 'EX', 600);
    await redis.rpush(keys.routes, '{"agent":"A","confidence":0.5,"at":1}');
    await redis.set(keys.pin, 'ProductSearchAgent');
    await redis.set(keys.lock, 'token-1', 'PX', 60_000);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'clean_slate', recovered: true, turns: [] });
    for (const key of [keys.turns, keys.backup, keys.state, keys.routes, keys.pin]) expect(await redis.exists(key)).toBe(0);
    expect(await redis.get(keys.lock)).toBe('token-1');
    const record = await store.readQuarantine(loaded.quarantineKeys[0]!);
    expect(Object.keys(record.keys).sort()).toEqual([keys.pin, keys.routes, keys.state, keys.turns].sort());
    expect(record.keys[keys.pin]).toEqual({ type: 'string', ttlMs: -1, encoding: 'utf8', value: 'ProductSearchAgent' });
    expect(await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)).toEqual([CORRUPT.truncated, CORRUPT.binary]);
  });

  it('the turns list missing but a backup present (a partial write): restored, and the record says the list was absent', async () => {
    const { store, keys } = setup();
    await redis.set(keys.backup, JSON.stringify(turns(2)), 'EX', 600);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'backup', turns: turns(2) });
    expect(loaded.classification.status).toBe('corrupt_restorable_from_backup');
    const record = await store.readQuarantine(loaded.quarantineKeys[0]!);
    expect(record.keys[keys.turns]).toEqual({ type: 'none', ttlMs: -2, value: null });
  });

  it('WRONGTYPE: a string where the list belongs does not crash; it is quarantined and the session starts clean', async () => {
    const { store, keys } = setup();
    await redis.set(keys.turns, Buffer.from('[{"role":"user"'));
    const loaded = await store.load(id);
    expect(loaded.classification.status).toBe('wrong_type');
    expect(loaded.source).toBe('clean_slate');
    expect(await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)).toEqual(Buffer.from('[{"role":"user"'));
    expect(await redis.exists(keys.turns)).toBe(0);
  });

  it('WRONGTYPE: a hash where the list belongs, with a good backup, is replaced from the backup; the hash is kept as its DUMP', async () => {
    const { store, keys } = setup();
    await redis.hset(keys.turns, { role: 'user', content: 'x' });
    const dump = await redis.dumpBuffer(keys.turns);
    await redis.set(keys.backup, JSON.stringify(turns(2)), 'EX', 600);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'backup', turns: turns(2) });
    const record = await store.readQuarantine(loaded.quarantineKeys[0]!);
    expect(record.keys[keys.turns]).toMatchObject({ type: 'hash', encoding: 'dump' });
    expect(await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)).toEqual(dump);
    expect(await redis.type(keys.turns)).toBe('list');
  });

  it('a missing TTL is reported on a healthy session (load writes nothing), and set by any recovery write', async () => {
    const { store, keys } = setup();
    await store.save(id, turns(2));
    await redis.persist(keys.turns);
    await redis.persist(keys.backup);
    const healthy = await store.load(id);
    expect(healthy).toMatchObject({ source: 'primary', missingTtl: ['turns', 'backup'], write: null });
    expect(await redis.pttl(keys.turns)).toBe(-1);

    await redis.rpush(keys.turns, CORRUPT.truncated);
    const repaired = await store.load(id);
    expect(repaired.source).toBe('backup');
    expect(repaired.missingTtl).toEqual(['turns', 'backup']);
    expect(await redis.pttl(keys.turns)).toBeGreaterThan(0);
    expect(await redis.pttl(keys.backup)).toBeGreaterThan(0);
    const record = await store.readQuarantine(repaired.quarantineKeys[0]!);
    expect(record.keys[keys.turns]?.ttlMs).toBe(-1);
  });

  it('a stale backup (fewer turns than the valid entries) is not preferred over partial recovery', async () => {
    const { store, keys } = setup();
    await pushRaw(redis, keys.turns, [...turns(5).map(enc), CORRUPT.truncated]);
    await redis.set(keys.backup, JSON.stringify(turns(2)), 'EX', 600);
    const loaded = await store.load(id);
    expect(loaded.source).toBe('partial');
    expect(loaded.turns).toEqual(turns(5));
    const record = await store.readQuarantine(loaded.quarantineKeys[0]!);
    expect(record.keys[keys.backup]).toMatchObject({ type: 'string', value: JSON.stringify(turns(2)) });
  });

  it('100,000 entries: read in LRANGE chunks and rewritten in RPUSH batches; exactly the bad ones dropped, all quarantined', async () => {
    const { store, keys } = setup();
    const total = 100_000;
    const bad = new Map<number, Buffer>([
      [0, CORRUPT.binary],
      [777, CORRUPT.truncated],
      [50_000, CORRUPT.number],
      [99_999, CORRUPT.truncated],
    ]);
    const original = Array.from({ length: total }, (_, i) => bad.get(i) ?? Buffer.from(`{"role":"user","content":"m${i}","ts":${i}}`));
    await pushRaw(redis, keys.turns, original);
    await redis.config('RESETSTAT');
    const loaded = await store.load(id);
    expect(loaded.source).toBe('partial');
    expect(loaded.counts).toEqual({ entries: total, valid: total - bad.size, invalid: bad.size });
    expect(loaded.turns).toHaveLength(total - bad.size);
    expect(loaded.turns[0]).toEqual({ role: 'user', content: 'm1', ts: 1 });
    const stored = await redis.lrangeBuffer(keys.turns, 0, -1);
    expect(firstDifference(stored, original.filter((_, i) => !bad.has(i)))).toBe(-1);
    const quarantined = (await quarantinedBytes(store, loaded.quarantineKeys[0]!, keys.turns)) as Buffer[];
    expect(firstDifference(quarantined, original)).toBe(-1);
    // Chunked: at least one LRANGE per 1,000 entries for each of the two reads (classify, then under WATCH).
    const stats = await redis.info('commandstats');
    const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    expect(calls('lrange')).toBeGreaterThanOrEqual(2 * (total / 1000));
    expect(calls('rpush')).toBeGreaterThanOrEqual((total - bad.size) / 1000);
  });
});
