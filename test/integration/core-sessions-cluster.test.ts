/**
 * The session store on a real 3-master Redis Cluster: with plain ids a session's keys live
 * in different slots, so the store writes key by key (atomic: false) and refuses to pretend
 * otherwise; with hash tags it runs WATCH and MULTI/EXEC on the node owning the session.
 */
import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.js';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { hashSlot, SessionStore } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { RedisProcess } from '../helpers/services.js';
import { CORRUPT, enc, freshLayout, turn, turns } from './core-sessions-fixtures.js';

const servers: RedisProcess[] = [];
let cluster: Cluster;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    servers.push(await new RedisProcess({ extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] }).start());
  }
  // redis-cli returns once every node agrees on the slot map.
  execFileSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-yes'], { stdio: 'pipe', timeout: 30_000 });
  cluster = new Cluster([{ host: '127.0.0.1', port: servers[0]!.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
});
afterAll(async () => {
  await cluster?.quit().catch(() => cluster.disconnect());
  await Promise.all(servers.map((s) => s.dispose()));
});

const id = parseSessionId('cluster-sess-1');

/** DUMP (hex) of each key, read through the cluster router: the byte-level truth per key. */
async function dumps(keys: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const key of keys) out[key] = (await cluster.dumpBuffer(key))?.toString('hex') ?? null;
  return out;
}

async function seedCorrupt(layout: KeyLayout) {
  const keys = sessionKeys(layout, id);
  await cluster.rpush(keys.turns, enc(turn(0)), CORRUPT.binary, enc(turn(1)));
  await cluster.set(keys.pin, 'ProductSearchAgent', 'EX', 900);
  return keys;
}

describe('SessionStore on a Redis Cluster', () => {
  it('computes the same slots as the server (CLUSTER KEYSLOT)', async () => {
    for (const key of ['manga:session:a:turns', 'manga:session:{a}:turns', 'manga:quarantine:{x:1}:17', 'foo', '{}x{y}']) {
      expect(hashSlot(key)).toBe(await cluster.cluster('KEYSLOT', key));
    }
  });

  it('plain ids: the store is not atomic by default, and refuses atomic: true (CROSSSLOT_HAZARD)', () => {
    const layout = freshLayout(false);
    expect(new SessionStore({ redis: cluster, layout }).atomic).toBe(false);
    const err = (() => {
      try {
        return new SessionStore({ redis: cluster, layout, atomic: true });
      } catch (e) {
        return e;
      }
    })();
    expect((err as CoreError).code).toBe('CROSSSLOT_HAZARD');
    const keys = Object.values(sessionKeys(layout, id));
    expect(new Set(keys.map(hashSlot)).size).toBeGreaterThan(1);
  });

  it('plain ids: save, load with partial recovery, clean slate and undo all work key by key', async () => {
    const layout = freshLayout(false);
    const store = new SessionStore({ redis: cluster, layout });
    const other = parseSessionId('neighbour');
    await store.save(other, turns(2));
    const keys = await seedCorrupt(layout);
    const all = [keys.turns, keys.backup, keys.state, keys.routes, keys.pin];
    const original = await dumps(all);

    const loaded = await store.load(id);
    expect(loaded).toMatchObject({ source: 'partial', turns: [turn(0), turn(1)] });
    expect(loaded.write).toMatchObject({ atomic: false, verified: true });
    expect(await cluster.lrangeBuffer(keys.turns, 0, -1)).toEqual([enc(turn(0)), enc(turn(1))]);

    const wiped = await store.cleanSlate(id);
    expect(wiped).toMatchObject({ applied: true, verified: true, keysDeleted: [keys.turns, keys.backup, keys.pin] });
    expect(Object.values(await dumps(all)).every((d) => d === null)).toBe(true);

    // Undo twice over: first the clean slate, then the partial recovery: back to the corrupt original.
    await store.restoreFromQuarantine(wiped.quarantineKey!);
    await store.restoreFromQuarantine(loaded.quarantineKeys[0]!);
    expect(await dumps(all)).toEqual(original);
    expect((await store.listQuarantine(id)).map((r) => r.key)).toEqual(
      expect.arrayContaining([loaded.quarantineKeys[0], wiped.quarantineKey]),
    );
    expect((await store.load(other)).turns).toEqual(turns(2));
  });

  it('hash tags: one MULTI/EXEC on the owning node, WATCH included, and the quarantine key in the same slot', async () => {
    const layout = freshLayout(true);
    const store = new SessionStore({ redis: cluster, layout });
    expect(store.atomic).toBe(true);
    const keys = await seedCorrupt(layout);
    await cluster.set(keys.backup, JSON.stringify(turns(3)), 'EX', 900);
    const saved = await store.save(parseSessionId('tagged-2'), turns(1));
    expect(saved).toMatchObject({ atomic: true, verified: true });

    const restored = await store.restoreFromBackup(id);
    expect(restored).toMatchObject({ applied: true, atomic: true, verified: true, turnsBefore: 3, turnsAfter: 3 });
    expect(hashSlot(restored.quarantineKey!)).toBe(hashSlot(keys.turns));
    expect((await store.load(id)).turns).toEqual(turns(3));
    expect((await store.restoreFromBackup(id)).applied).toBe(false);
    const record = await store.readQuarantine(restored.quarantineKey!);
    expect(record.keys[keys.turns]).toMatchObject({ type: 'list', encoding: 'base64' });
  });
});
