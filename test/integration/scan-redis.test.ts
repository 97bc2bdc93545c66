/**
 * `scanRedisFleet` on one real redis-server: every class of the scan found with the counts
 * that were written, in agreement with the core's one-by-one verdict (SessionStore.inspect),
 * narrowed by an id prefix, stopped by a limit, read-only (proved by the server's own
 * command statistics), and a node that goes away reported as unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { parseIdPrefix, sessionMatchPattern } from '../../src/scan/match.js';
import { scanRedisFleet } from '../../src/scan/redis-fleet.js';
import { dataClassOf, type FleetClass } from '../../src/scan/redis-report.js';
import { startRedis } from '../helpers/services.js';
import { applyWrites, fleetWrites, sessionsOf, SMALL_FLEET, turnJson } from './scan-fixtures.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
const layout: KeyLayout = { prefix: 'manga', hashTags: false };
let ids: Record<string, ReturnType<typeof parseSessionId>[]>;

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
  const fleet = fleetWrites(layout, SMALL_FLEET);
  ids = fleet.ids;
  await applyWrites(client, fleet.writes);
});
afterAll(async () => redis?.stop());

/** Write commands the server counted since CONFIG RESETSTAT (INFO commandstats). */
async function writeCommandsSeen(): Promise<string[]> {
  const info = await client.info('commandstats');
  const names = [...info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)].map((m) => m[1]!);
  const reads = new Set(['scan', 'lrange', 'llen', 'exists', 'get', 'type', 'pttl', 'dbsize', 'info', 'config|resetstat', 'ping', 'client|setname', 'client|setinfo', 'select', 'quit']);
  return names.filter((n) => !reads.has(n));
}

describe('scan redis on a single server', () => {
  it('finds every class with the counts written, and agrees with the core one session at a time', async () => {
    await client.config('RESETSTAT');
    const report = await scanRedisFleet(client, { layout, pipelineSize: 50, scanCount: 100 });
    expect(await writeCommandsSeen()).toEqual([]);

    const f = SMALL_FLEET;
    expect(report.complete).toBe(true);
    expect(report.sessions).toBe(sessionsOf(f));
    expect(report.classes.restorable_from_backup.count).toBe(f.restorable);
    expect(report.classes.partially_recoverable.count).toBe(f.partial);
    expect(report.classes.unrecoverable.count).toBe(f.unrecoverable);
    expect(report.classes.healthy.count).toBe(f.healthy + f.routingLoops + f.staleLocks + f.liveLocks);
    expect(report.classes.routing_left_over.count).toBe(f.routingLoops);
    expect(report.classes.lock_without_owner.count).toBe(f.staleLocks);
    expect(report.foreignKeys).toBe(f.foreign);
    expect(report.problems).toBe(f.restorable + f.partial + f.unrecoverable + f.routingLoops + f.staleLocks);
    // Every third restorable session has a turns key of the wrong type (see the fixtures).
    expect(report.statuses.wrong_type).toBe(Array.from({ length: f.restorable }, (_, n) => n).filter((n) => n % 3 === 2).length);
    expect(report.nodes).toEqual([expect.objectContaining({ status: 'ok', keysScanned: await client.dbsize() })]);

    // The core, one session at a time, sorts each written id into the same data class.
    const store = new SessionStore({ redis: client, layout });
    const byCore: Partial<Record<FleetClass, number>> = {};
    for (const list of Object.values(ids)) {
      for (const id of list) {
        const cls = dataClassOf((await store.inspect(id)).classification.recommendedAction);
        byCore[cls] = (byCore[cls] ?? 0) + 1;
      }
    }
    for (const cls of ['healthy', 'restorable_from_backup', 'partially_recoverable', 'unrecoverable'] as const) {
      expect(report.classes[cls].count).toBe(byCore[cls] ?? 0);
    }
    // Samples are a few ids of the right class, never the whole class.
    expect(report.classes.healthy.sample).toHaveLength(5);
    for (const id of report.classes.partially_recoverable.sample) expect(ids.partial).toContain(id);
    for (const id of report.classes.lock_without_owner.sample) expect(ids.stalelock).toContain(id);
  });

  it('--match narrows to an id prefix, and rejects glob characters before touching Redis', async () => {
    const report = await scanRedisFleet(client, { layout, idPrefix: parseIdPrefix('fpartial-') });
    expect(report.pattern).toBe('manga:session:fpartial-*');
    expect(report.sessions).toBe(SMALL_FLEET.partial);
    expect(report.classes.partially_recoverable.count).toBe(SMALL_FLEET.partial);
    expect(report.classes.healthy.count).toBe(0);
    for (const bad of ['f*', 'f?', 'f[a]', '{f}', 'a b', '', '-x']) expect(() => parseIdPrefix(bad)).toThrow(/invalid session id/);
    expect(sessionMatchPattern({ prefix: 'manga', hashTags: true }, parseIdPrefix('abc'))).toBe('manga:session:{abc*');
  });

  it('--limit stops after that many sessions and says the scan is incomplete', async () => {
    const report = await scanRedisFleet(client, { layout, limit: 10, scanCount: 10, pipelineSize: 5 });
    expect(report.sessions).toBe(10);
    expect(report.stoppedAtLimit).toBe(true);
    expect(report.complete).toBe(false);
  });

  it('judges a list longer than the read cap on the entries read, and counts it as partially examined', async () => {
    const id = parseSessionId('zlong-1');
    const keys = sessionKeys(layout, id);
    await client.rpush(keys.turns, ...Array.from({ length: 30 }, (_, i) => turnJson(i)));
    try {
      const report = await scanRedisFleet(client, { layout, idPrefix: parseIdPrefix('zlong-'), maxEntries: 20 });
      expect(report.sessions).toBe(1);
      expect(report.partiallyExamined).toBe(1);
      expect(report.classes.healthy.count).toBe(1);
    } finally {
      await client.del(keys.turns);
    }
  });

  it('reports progress with the keyspace size as denominator', async () => {
    const seen: number[] = [];
    let total: number | null = null;
    await scanRedisFleet(client, { layout, scanCount: 50, onProgress: (p) => (seen.push(p.keysScanned), (total = p.keysTotal)) });
    expect(total).toBe(await client.dbsize());
    expect(seen.at(-1)).toBe(total);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('a server that goes away is reported unavailable, not as a healthy fleet', async () => {
    const other = await startRedis();
    const c = other.client();
    c.on('error', () => undefined);
    await applyWrites(c, fleetWrites(layout, { ...SMALL_FLEET, healthy: 3 }).writes);
    await other.server.kill();
    const report = await scanRedisFleet(c, { layout });
    expect(report.complete).toBe(false);
    expect(report.nodes[0]).toMatchObject({ status: 'unavailable', error: { code: expect.stringMatching(/^REDIS_/) } });
    await other.stop();
  });
});
