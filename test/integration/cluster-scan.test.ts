/**
 * `scanRedisFleet` on a real 3-master cluster, connected through the production factory
 * (`--redis-cluster`): the same fleet, written in both key layouts, is classified exactly as
 * on a single server; every master is scanned; and a master that dies is reported
 * unavailable while the others are still scanned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { closeRedis, connectRedis } from '../../src/sources/redis.js';
import { scanRedisFleet } from '../../src/scan/redis-fleet.js';
import type { RedisFleetReport } from '../../src/scan/redis-report.js';
import { BOTH_LAYOUTS, SMALL_FLEET, startFleetServers, type FleetServers } from './scan-fixtures.js';

const LAYOUTS = BOTH_LAYOUTS;

let servers: FleetServers;
let harness: FleetServers['harness'];
let single: FleetServers['single'];
let cluster: FleetServers['cluster'];

beforeAll(async () => {
  servers = await startFleetServers(LAYOUTS, 3000);
  ({ harness, single, cluster } = servers);
});
afterAll(async () => {
  await servers?.stop();
});

/** What must not depend on where the keys live. */
const verdicts = (r: RedisFleetReport) => ({
  sessions: r.sessions,
  counts: Object.fromEntries(Object.entries(r.classes).map(([c, v]) => [c, v.count])),
  statuses: r.statuses,
  foreignKeys: r.foreignKeys,
  problems: r.problems,
  complete: r.complete,
});

describe('scan redis on a 3-master cluster', () => {
  it.each(LAYOUTS)('finds the same classification as on a single server (prefix $prefix, hashTags $hashTags)', async (layout) => {
    const onCluster = await scanRedisFleet(cluster, { layout, scanCount: 50, pipelineSize: 40 });
    const onSingle = await scanRedisFleet(single.client(), { layout, scanCount: 50, pipelineSize: 40 });
    expect(onCluster.mode).toBe('cluster');
    expect(verdicts(onCluster)).toEqual(verdicts(onSingle));
    expect(onCluster.classes.restorable_from_backup.count).toBe(SMALL_FLEET.restorable);
    expect(onCluster.classes.routing_left_over.count).toBe(SMALL_FLEET.routingLoops);
    // Every master was scanned and each held part of the fleet.
    expect(onCluster.nodes.map((n) => n.node).sort()).toEqual(harness.nodes.slice().sort());
    expect(onCluster.nodes.every((n) => n.status === 'ok' && n.keysScanned > 0)).toBe(true);
    expect(onCluster.keysScanned).toBe(onSingle.keysScanned);
  });

  it('a master that stops answering while still connected times out as unavailable; reads other masters made of it are unjudged, not fatal', async () => {
    // SIGSTOP keeps the socket open: ioredis still lists the node as a ready master, so the
    // healthy masters' batches send it cross-node reads (a backup whose turns list lives there).
    const paused = harness.servers[1]!;
    const quick = (await connectRedis(configSchema.parse({ redis: { cluster: harness.nodes.slice() }, timeoutMs: 700 }))).client;
    try {
      process.kill(paused.pid!, 'SIGSTOP');
      const report = await scanRedisFleet(quick, { layout: LAYOUTS[0]!, scanCount: 50, pipelineSize: 40 });
      const label = `127.0.0.1:${paused.port}`;
      expect(report.complete).toBe(false);
      expect(report.nodes.find((n) => n.node === label)).toMatchObject({ status: 'unavailable', error: { code: expect.stringMatching(/^REDIS_/) } });
      expect(report.nodes.filter((n) => n.status === 'ok').map((n) => n.node).sort()).toEqual(harness.nodes.filter((n) => n !== label).sort());
      expect(report.unjudged).toBeGreaterThan(0);
    } finally {
      process.kill(paused.pid!, 'SIGCONT');
      await closeRedis(quick);
    }
  });

  it('a master that dies mid-incident is reported unavailable; the other masters are still scanned', async () => {
    const victim = harness.servers[2]!;
    await victim.kill();
    const report = await scanRedisFleet(cluster, { layout: LAYOUTS[0]! });
    expect(report.complete).toBe(false);
    const down = report.nodes.find((n) => n.node === `127.0.0.1:${victim.port}`);
    expect(down).toMatchObject({ status: 'unavailable', error: { code: expect.stringMatching(/^REDIS_/) } });
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(2);
  });
});
