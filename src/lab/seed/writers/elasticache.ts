/**
 * ElastiCache in the lab. AWS has no API that makes a replication group or an event appear,
 * so the emulator takes them on its admin API (src/lab/emulator/admin.ts); everything the
 * seeder sends there goes through this one module.
 */
import { LabSeedError } from '../errors.js';
import type { CacheFailover } from '../model.js';

async function admin(emulator: string, path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, emulator).href;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new LabSeedError('EMULATOR_ADMIN', `the lab emulator did not answer at ${url}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new LabSeedError('EMULATOR_ADMIN', `the lab emulator refused POST ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Forgets all emulator data (log groups, metrics, alarms, replication groups, events) and faults. */
export async function resetEmulator(emulator: string): Promise<void> {
  await admin(emulator, '/_lab/reset');
}

/**
 * The `manga-sessions` replication group: one shard, a primary and a replica
 * (`manga-sessions-001`, `-002`), Multi-AZ with automatic failover, pointing at the lab's Redis.
 */
export async function createReplicationGroup(emulator: string, id: string, redisUrl: string, createdAt: number): Promise<void> {
  const u = new URL(redisUrl);
  await admin(emulator, '/_lab/elasticache/replication-groups', {
    replicationGroupId: id,
    description: 'MangaAssist session memory',
    automaticFailover: 'enabled',
    multiAZ: 'enabled',
    replicasPerShard: 1,
    cacheNodeType: 'cache.r6g.large',
    engine: 'redis',
    transitEncryptionEnabled: u.protocol === 'rediss:',
    endpoint: { address: u.hostname, port: Number(u.port || 6379) },
    createdAt,
  });
}

/** Promotes the replica and records ElastiCache's failover events at `f.at`. */
export async function performFailover(emulator: string, f: CacheFailover): Promise<void> {
  await admin(emulator, '/_lab/elasticache/failover', { replicationGroupId: f.replicationGroupId, nodeGroupId: f.nodeGroupId, at: f.at });
}
