/**
 * `manga-oncall scan redis` as a user and a script meet it: the built binary, no TTY,
 * against a real redis-server and a real 3-master cluster. One JSON document on stdout,
 * the contract's exit codes, flags checked before any store is touched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lab/services/free-port.js';
import { runCli, startRedis } from '../helpers/services.js';
import { startRedisCluster, type RedisClusterHarness } from '../helpers/redis-cluster.js';
import { applyWrites, fleetWrites, sessionsOf, SMALL_FLEET } from '../integration/scan-fixtures.js';

const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'mo-scan-')) };
let single: Awaited<ReturnType<typeof startRedis>>;
let cluster: RedisClusterHarness;
const layout = { prefix: 'manga', hashTags: false };

beforeAll(async () => {
  [single, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  const { writes } = fleetWrites(layout, SMALL_FLEET);
  await applyWrites(single.client(), writes);
  await applyWrites(await cluster.client(), writes);
});
afterAll(async () => Promise.all([single?.stop(), cluster?.stop()]));

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;
const counts = (doc: Record<string, any>) => Object.fromEntries(Object.entries(doc.classes as Record<string, { count: number }>).map(([k, v]) => [k, v.count]));

describe('manga-oncall scan redis', () => {
  it('finds the problems: exit 3, one JSON document with counts and samples, nothing on stderr', async () => {
    const r = await runCli(['scan', 'redis', '--json', '--redis-url', single.server.url], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'scan redis', mode: 'single', complete: true, sessions: sessionsOf(SMALL_FLEET) });
    expect(counts(doc)).toMatchObject({ restorable_from_backup: SMALL_FLEET.restorable, partially_recoverable: SMALL_FLEET.partial, unrecoverable: SMALL_FLEET.unrecoverable, routing_left_over: SMALL_FLEET.routingLoops, lock_without_owner: SMALL_FLEET.staleLocks });
    expect(doc.classes.unrecoverable.sample.length).toBeGreaterThan(0);
  });

  it('exit 0 when every session judged is healthy (--match narrows to them); the text names the classes', async () => {
    const r = await runCli(['scan', 'redis', '--match', 'fhealthy-', '--redis-url', single.server.url], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^healthy\s+40\s/m);
    expect(r.stdout).toContain('verdict: every session judged is healthy');
  });

  it('--verbose shows progress on stderr (never on stdout); without it a pipe gets none', async () => {
    const r = await runCli(['scan', 'redis', '--json', '--verbose', '--redis-url', single.server.url], { env });
    expect(r.stderr).toMatch(/\[progress\] .*keys/);
    expect(json(r.stdout).command).toBe('scan redis');
  });

  it('a glob in --match is a usage error before any store is contacted (exit 2, even with Redis down)', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    for (const bad of ['f*', 'a?b', '[a]', '{x}']) {
      const r = await runCli(['scan', 'redis', '--json', '--match', bad, '--redis-url', closed], { env });
      expect(r.code).toBe(2);
      expect(json(r.stdout).error.code).toBe('INVALID_SESSION_ID');
    }
    const limit = await runCli(['scan', 'redis', '--limit', 'many', '--redis-url', closed], { env });
    expect(limit.code).toBe(2);
  });

  it('Redis unreachable: exit 4 (inconclusive), with the error in the JSON document', async () => {
    const r = await runCli(['scan', 'redis', '--json', '--timeout', '1s', '--redis-url', `redis://127.0.0.1:${await freePort()}`], { env });
    expect(r.code).toBe(4);
    expect(json(r.stdout).error.code).toMatch(/^REDIS_/);
  });

  it('--redis-cluster: every master scanned, the same counts as the single server', async () => {
    const [onCluster, onSingle] = await Promise.all([
      runCli(['scan', 'redis', '--json', '--redis-cluster', cluster.nodes.join(',')], { env }),
      runCli(['scan', 'redis', '--json', '--redis-url', single.server.url], { env }),
    ]);
    expect(onCluster.code).toBe(3);
    const doc = json(onCluster.stdout);
    expect(doc.mode).toBe('cluster');
    expect(doc.nodes).toHaveLength(3);
    expect(counts(doc)).toEqual(counts(json(onSingle.stdout)));
  });
});
