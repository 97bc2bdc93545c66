/**
 * The session core on a real 3-master Redis Cluster (test/helpers/redis-cluster.ts), in both
 * key layouts of the contract: save, load, restore from backup and undo through the core;
 * the seed's save (turns and backup in one MULTI) shown failing for plain ids, client-side
 * and on the server (CROSSSLOT); and `detectCrossSlotHazard`, which `doctor` reports.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { redisErrorCode } from '../../src/core/redis-types.js';
import { hashSlot, SessionStore } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { detectCrossSlotHazard } from '../../src/scan/cluster-hazard.js';
import { startRedis } from '../helpers/services.js';
import { startRedisCluster, type RedisClusterHarness } from '../helpers/redis-cluster.js';
import { turnJson } from './scan-fixtures.js';

let harness: RedisClusterHarness;
let cluster: Cluster;

beforeAll(async () => {
  harness = await startRedisCluster();
  cluster = await harness.client();
});
afterAll(async () => harness?.stop());

const turnsOf = (n: number) => Array.from({ length: n }, (_, i) => JSON.parse(turnJson(i)));

/** The seed's `save_session_with_backup`: SETEX backup, DEL + RPUSH + EXPIRE turns, in one MULTI. */
function seedSave(client: Cluster, layout: KeyLayout, id: string, turns: unknown[]) {
  const keys = sessionKeys(layout, parseSessionId(id));
  const tx = client.multi().setex(keys.backup, 1800, JSON.stringify(turns)).del(keys.turns);
  for (const t of turns) tx.rpush(keys.turns, JSON.stringify(t));
  return tx.expire(keys.turns, 1800).exec();
}

describe.each([
  { name: 'plain ids', layout: { prefix: 'plain', hashTags: false }, atomic: false },
  { name: 'hash-tagged ids', layout: { prefix: 'tagged', hashTags: true }, atomic: true },
])('the session core on a cluster with $name', ({ layout, atomic }) => {
  it('saves, loads, restores from the backup and undoes through the core, on whichever masters own the keys', async () => {
    const store = new SessionStore({ redis: cluster, layout });
    expect(store.atomic).toBe(atomic);
    const id = parseSessionId(`sess-${layout.prefix}-1`);
    const keys = sessionKeys(layout, id);
    expect(hashSlot(keys.turns) === hashSlot(keys.backup)).toBe(atomic);

    const saved = await store.save(id, turnsOf(6));
    expect(saved).toMatchObject({ applied: true, atomic, verified: true, turnsAfter: 6 });
    expect((await store.load(id)).turns).toEqual(turnsOf(6));
    expect(await cluster.pttl(keys.turns)).toBeGreaterThan(0);
    expect(await cluster.pttl(keys.backup)).toBeGreaterThan(0);

    // A partial write after a failover: the list loses its tail and gains a truncated entry.
    await cluster.rpop(keys.turns, 2);
    await cluster.rpush(keys.turns, '{"role":"assistant","content":"ワンピ');
    const corrupted = await cluster.lrangeBuffer(keys.turns, 0, -1);
    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'backup', recovered: true });
    expect(loaded.turns).toEqual(turnsOf(6));
    expect(await cluster.lrange(keys.turns, 0, -1)).toEqual(turnsOf(6).map((t) => JSON.stringify(t)));

    // Undo puts the corrupted list back exactly, byte for byte.
    await store.restoreFromQuarantine(loaded.quarantineKeys[0]!);
    expect(await cluster.lrangeBuffer(keys.turns, 0, -1)).toEqual(corrupted);
    const again = await store.restoreFromBackup(id);
    expect(again).toMatchObject({ applied: true, atomic, verified: true, turnsAfter: 6 });
  });
});

describe("the seed's MULTI over turns and backup", () => {
  it('fails for plain ids with CROSSSLOT, through ioredis and sent straight to the master owning both slots', async () => {
    const layout = { prefix: 'seedway', hashTags: false };
    const err = await seedSave(cluster, layout, 'u1', turnsOf(2)).then(() => null, (e: unknown) => e);
    expect(redisErrorCode(err)).toBe('CROSSSLOT');
    // An id whose turns and backup slots belong to one master: the server itself refuses the
    // transaction (the slots differ), as it would for any client that is not cluster-aware.
    const ownerOf = (key: string) => cluster.slots[hashSlot(key)]?.[0];
    const id = Array.from({ length: 200 }, (_, i) => `u${i}`).find((c) => {
      const k = sessionKeys(layout, parseSessionId(c));
      return ownerOf(k.turns) === ownerOf(k.backup);
    })!;
    const keys = sessionKeys(layout, parseSessionId(id));
    const node = harness.nodeClient(harness.nodes.indexOf(ownerOf(keys.turns)!));
    const server = await node.multi().set(keys.backup, '[]').rpush(keys.turns, '{}').exec().then(() => null, (e: unknown) => e);
    expect(redisErrorCode(server)).toBe('CROSSSLOT');
    expect(await cluster.exists(keys.turns)).toBe(0);
    expect(await cluster.exists(keys.backup)).toBe(0);
  });

  it('works with hash tags: both keys in one slot', async () => {
    const replies = await seedSave(cluster, { prefix: 'seedway', hashTags: true }, 'u2', turnsOf(2));
    expect(replies?.every(([e]) => e === null)).toBe(true);
  });
});

describe('detectCrossSlotHazard (for doctor)', () => {
  const configOf = (hashTags: boolean, prefix: string) => configSchema.parse({ redis: { cluster: harness.nodes.slice(), hashTags, keyPrefix: prefix } });

  it('plain ids on a cluster: a hazard, explained with the two slots and what the core does instead', async () => {
    const store = new SessionStore({ redis: cluster, layout: { prefix: 'hz', hashTags: false } });
    await store.save(parseSessionId('hz-1'), turnsOf(2));
    const h = await detectCrossSlotHazard(configOf(false, 'hz'), cluster);
    expect(h.hazard).toBe(true);
    expect(h.mode).toBe('cluster');
    expect(h.observed).toBe('plain');
    expect(h.example?.sessionId).toBe('hz-1');
    expect(h.example!.turns.slot).not.toBe(h.example!.backup.slot);
    expect(h.explanation).toContain('CROSSSLOT');
    expect(h.explanation).toContain('hashTags');
  });

  it('hash-tagged ids on a cluster: no hazard; a config that disagrees with the keys found is called out', async () => {
    const store = new SessionStore({ redis: cluster, layout: { prefix: 'hy', hashTags: true } });
    await store.save(parseSessionId('hy-1'), turnsOf(2));
    const ok = await detectCrossSlotHazard(configOf(true, 'hy'), cluster);
    expect(ok).toMatchObject({ hazard: false, observed: 'hash_tagged' });
    expect(ok.example!.turns.slot).toBe(ok.example!.backup.slot);
    const wrong = await detectCrossSlotHazard(configOf(false, 'hy'), cluster);
    expect(wrong.observed).toBe('hash_tagged');
    expect(wrong.explanation).toMatch(/Warning: the keys found are hash-tagged but redis.hashTags is false/);
  });

  it('a single server: no hazard in either layout', async () => {
    const single = await startRedis();
    try {
      const h = await detectCrossSlotHazard(configSchema.parse({ redis: { url: single.server.url } }), single.client());
      expect(h).toMatchObject({ hazard: false, mode: 'single', example: null, observed: 'no_sessions' });
    } finally {
      await single.stop();
    }
  });
});
