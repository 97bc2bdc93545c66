/**
 * diagnose's one pass over the Redis keyspace (`fleetScan`, behind the three Redis probes)
 * reads most sessions with one LRANGE and only the others with the core's raw reads. Its
 * verdicts must not depend on that shortcut nor on where the keys live: on a single server
 * and on a 3-master cluster (a session's turns and backup on different masters without hash
 * tags), its status counts equal `scan redis`'s, whose own are checked against the core's
 * one-by-one verdicts in scan-redis.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { KeyLayout } from '../../src/core/keys.js';
import type { RedisClient } from '../../src/core/redis-types.js';
import { windowFor } from '../../src/diagnose/window.js';
import { fleetScan } from '../../src/probes/redis/fleet-scan.js';
import { DEFAULT_PROBE_LIMITS, type QuestionEnv, type SourcePorts } from '../../src/probes/index.js';
import { scanRedisFleet } from '../../src/scan/redis-fleet.js';
import { BOTH_LAYOUTS, startFleetServers, type FleetServers } from './scan-fixtures.js';

const LAYOUTS = BOTH_LAYOUTS;

let servers: FleetServers;
let harness: FleetServers['harness'];
let single: FleetServers['single'];
let cluster: FleetServers['cluster'];

beforeAll(async () => {
  servers = await startFleetServers(LAYOUTS, 5000);
  ({ harness, single, cluster } = servers);
});
afterAll(async () => {
  await servers?.stop();
});

function envOf(client: RedisClient, config: Config, layout: KeyLayout): QuestionEnv {
  const unused = () => Promise.reject(new Error('not used by the Redis pass'));
  const sources: SourcePorts = {
    cloudwatch: unused,
    logs: unused,
    elasticache: unused,
    dynamodb: unused,
    s3: unused,
    redis: async () => client,
    redisWarning: () => undefined,
    close: async () => undefined,
  };
  // Small batches, so the fleet spans several pipelines of both steps.
  const tuned = { ...config, redis: { ...config.redis, keyPrefix: layout.prefix, hashTags: layout.hashTags, pipelineSize: 16, scanCount: 20 } };
  return { config: tuned, layout, window: windowFor('30m'), limits: DEFAULT_PROBE_LIMITS, sources, signal: new AbortController().signal };
}

describe.each(LAYOUTS)('diagnose fleet pass (prefix $prefix, hashTags $hashTags)', (layout) => {
  it('counts every status as scan redis does, on a single server and on a cluster', async () => {
    const singleConfig = configSchema.parse({ redis: { url: single.server.url } });
    const clusterConfig = configSchema.parse({ redis: { cluster: harness.nodes.slice() } });
    const reference = await scanRedisFleet(single.client(), { layout });
    const onSingle = await fleetScan.run(envOf(single.client(), singleConfig, layout));
    const onCluster = await fleetScan.run(envOf(cluster, clusterConfig, layout));
    expect(reference.statuses.healthy).toBeGreaterThan(0);
    expect(onSingle.statusCounts).toEqual(reference.statuses);
    expect(onCluster.statusCounts).toEqual(reference.statuses);
    // The unhealthy ones carry the core's full verdict (restore, partial, clean slate).
    const actions = (s: typeof onSingle) => s.unhealthy.map((c) => `${c.sessionId}:${c.status}:${c.recommendedAction}`).sort();
    expect(actions(onCluster)).toEqual(actions(onSingle));
    expect(onSingle.unhealthy.length).toBe(Object.entries(reference.statuses).filter(([s]) => s !== 'healthy' && s !== 'empty').reduce((n, [, c]) => n + (c ?? 0), 0));
  });
});
