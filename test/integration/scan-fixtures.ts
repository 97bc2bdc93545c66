/**
 * A small fleet with every class `scan redis` knows, written raw (bytes, wrong types, locks
 * without expiry) to a single server or a cluster, plus the composition it was built from, so
 * tests compare the scanner's counts with what was written and with the core's one-by-one
 * verdicts.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import { configSchema } from '../../src/config/schema.js';
import type { RedisClient } from '../../src/core/redis-types.js';
import { closeRedis, connectRedis } from '../../src/sources/redis.js';
import { startRedisCluster, type RedisClusterHarness } from '../helpers/redis-cluster.js';
import { startRedis } from '../helpers/services.js';

type Writable = Redis | Cluster;

export function turnJson(i: number): string {
  return i % 2 === 0
    ? JSON.stringify({ role: 'user', content: `進撃の巨人の在庫は? #${i}`, ts: 1_700_000_000_000 + i })
    : JSON.stringify({ role: 'assistant', content: `34巻は在庫あり #${i}`, agent_name: 'ProductSearchAgent', ts: 1_700_000_000_000 + i });
}

const TRUNCATED = Buffer.from('{"role": "assistant", "content": "ナルト全巻セッ', 'utf8');
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b, 0x22]);
/** Well-formed JSON of a turn around one byte that is not UTF-8: decoded as a string it still parses. */
const HIDDEN_BAD_BYTE = Buffer.concat([Buffer.from('{"role":"user","content":"ワンピ'), Buffer.from([0xe3, 0x83]), Buffer.from('","ts":5}')]);

export interface FleetComposition {
  healthy: number;
  /** Corrupt entry + a backup with every turn; and backups whose turns list is missing or of the wrong type. */
  restorable: number;
  partial: number;
  unrecoverable: number;
  routingLoops: number;
  staleLocks: number;
  /** Live locks and short, non-looping routes lists: present, and not problems. */
  liveLocks: number;
  /** Keys under the session prefix that are not valid session keys. */
  foreign: number;
}

export const SMALL_FLEET: FleetComposition = {
  healthy: 40,
  restorable: 9,
  partial: 7,
  unrecoverable: 5,
  routingLoops: 6,
  staleLocks: 4,
  liveLocks: 3,
  foreign: 2,
};

type Write = { key: string; list?: Array<string | Buffer>; value?: string | Buffer; ttlMs: number | null };

/** The writes of one fleet; ids are `<idPrefix><class>-<n>`. */
export function fleetWrites(layout: KeyLayout, fleet: FleetComposition, idPrefix = 'f'): { writes: Write[]; ids: Record<string, SessionId[]> } {
  const writes: Write[] = [];
  const ids: Record<string, SessionId[]> = {};
  const id = (cls: string, n: number) => {
    const sid = parseSessionId(`${idPrefix}${cls}-${n}`);
    (ids[cls] ??= []).push(sid);
    return sessionKeys(layout, sid);
  };
  const good = (n: number) => Array.from({ length: n }, (_, i) => turnJson(i));
  const backupOf = (n: number) => `[${good(n).join(',')}]`;
  const ttl = 1_800_000;
  for (let n = 0; n < fleet.healthy; n++) {
    const k = id('healthy', n);
    writes.push({ key: k.turns, list: good(6), ttlMs: ttl }, { key: k.backup, value: backupOf(6), ttlMs: ttl });
    writes.push({ key: k.state, value: '{"version":3}', ttlMs: ttl }, { key: k.routes, list: [JSON.stringify({ agent: 'ProductSearchAgent', confidence: 0.9, at: 1 })], ttlMs: ttl });
  }
  for (let n = 0; n < fleet.restorable; n++) {
    const k = id('restorable', n);
    // Three ways of being restorable from the backup: a corrupt entry, a missing list, a list of the wrong type.
    if (n % 3 === 0) writes.push({ key: k.turns, list: [...good(3), TRUNCATED, turnJson(4)], ttlMs: ttl });
    if (n % 3 === 2) writes.push({ key: k.turns, value: 'not a list', ttlMs: ttl });
    writes.push({ key: k.backup, value: backupOf(5), ttlMs: ttl });
  }
  for (let n = 0; n < fleet.partial; n++) {
    const k = id('partial', n);
    writes.push({ key: k.turns, list: [...good(4), n % 2 ? HIDDEN_BAD_BYTE : BINARY], ttlMs: ttl });
    // A stale backup (fewer turns than the valid entries) must not be preferred.
    if (n % 2 === 0) writes.push({ key: k.backup, value: backupOf(2), ttlMs: ttl });
  }
  for (let n = 0; n < fleet.unrecoverable; n++) {
    const k = id('unrecoverable', n);
    writes.push({ key: k.turns, list: [TRUNCATED, BINARY, '42'], ttlMs: ttl });
    if (n % 2 === 0) writes.push({ key: k.backup, value: '{"not": "a list"', ttlMs: ttl });
  }
  for (let n = 0; n < fleet.routingLoops; n++) {
    const k = id('loop', n);
    writes.push({ key: k.turns, list: good(2), ttlMs: ttl });
    const agents = ['ProductSearchAgent', 'MangaQAAgent'];
    writes.push({ key: k.routes, list: Array.from({ length: 5 }, (_, i) => JSON.stringify({ agent: agents[i % 2], confidence: 0.55, at: 1000 + i })), ttlMs: ttl });
  }
  for (let n = 0; n < fleet.staleLocks; n++) {
    const k = id('stalelock', n);
    writes.push({ key: k.turns, list: good(2), ttlMs: ttl }, { key: k.lock, value: `host-a:4242:1700000000000:${'ab'.repeat(16)}`, ttlMs: null });
  }
  for (let n = 0; n < fleet.liveLocks; n++) {
    const k = id('livelock', n);
    writes.push({ key: k.turns, list: good(2), ttlMs: ttl }, { key: k.lock, value: `host-b:77:1700000000000:${'cd'.repeat(16)}`, ttlMs: 600_000 });
  }
  for (let n = 0; n < fleet.foreign; n++) {
    // A brace-unbalanced id (not a valid session id) under the session prefix.
    writes.push({ key: `${layout.prefix}:session:bad{id-${n}:turns`, list: good(1), ttlMs: ttl });
  }
  return { writes, ids };
}

/** Applies writes: one pipeline per 500 on a server, concurrent single commands (routed per key) on a cluster. */
export async function applyWrites(redis: Writable, writes: readonly Write[]): Promise<void> {
  const one = (w: Write, r: ChainableCommander) => {
    if (w.list) {
      r.rpush(w.key, ...w.list);
      if (w.ttlMs !== null) r.pexpire(w.key, w.ttlMs);
    } else if (w.ttlMs !== null) r.set(w.key, w.value!, 'PX', w.ttlMs);
    else r.set(w.key, w.value!);
  };
  if ((redis as { isCluster?: boolean }).isCluster) {
    const c = redis as Cluster;
    for (let i = 0; i < writes.length; i += 200) {
      await Promise.all(
        writes.slice(i, i + 200).map(async (w) => {
          if (w.list) {
            await c.rpush(w.key, ...w.list);
            if (w.ttlMs !== null) await c.pexpire(w.key, w.ttlMs);
          } else if (w.ttlMs !== null) await c.set(w.key, w.value!, 'PX', w.ttlMs);
          else await c.set(w.key, w.value!);
        }),
      );
    }
    return;
  }
  const r = redis as Redis;
  for (let i = 0; i < writes.length; i += 500) {
    const pipe = r.pipeline();
    for (const w of writes.slice(i, i + 500)) one(w, pipe);
    const replies = (await pipe.exec()) ?? [];
    const failed = replies.find(([e]) => e);
    if (failed?.[0]) throw failed[0];
  }
}

/** Sessions the scan should judge by their data (every class but the foreign keys). */
export function sessionsOf(f: FleetComposition): number {
  return f.healthy + f.restorable + f.partial + f.unrecoverable + f.routingLoops + f.staleLocks + f.liveLocks;
}

/** Both key layouts the contract allows. */
export const BOTH_LAYOUTS: readonly KeyLayout[] = [
  { prefix: 'plain', hashTags: false },
  { prefix: 'tagged', hashTags: true },
];

export interface FleetServers {
  harness: RedisClusterHarness;
  single: Awaited<ReturnType<typeof startRedis>>;
  /** A client of the cluster made by the production factory (`--redis-cluster`). */
  cluster: RedisClient;
  stop(): Promise<void>;
}

/** A fresh 3-master cluster and a fresh single server, each holding {@link SMALL_FLEET} in every layout of `layouts`. */
export async function startFleetServers(layouts: readonly KeyLayout[], timeoutMs: number): Promise<FleetServers> {
  const [harness, single] = await Promise.all([startRedisCluster(), startRedis()]);
  const cluster = (await connectRedis(configSchema.parse({ redis: { cluster: harness.nodes.slice() }, timeoutMs }))).client;
  const seeder = await harness.client();
  for (const layout of layouts) {
    const { writes } = fleetWrites(layout, SMALL_FLEET);
    await applyWrites(seeder, writes);
    await applyWrites(single.client(), writes);
  }
  return {
    harness,
    single,
    cluster,
    async stop() {
      await closeRedis(cluster);
      await Promise.all([harness.stop(), single.stop()]);
    },
  };
}
