import type { Config } from '../../config/schema.js';
import type { ReplicationGroupSummary } from '../../sources/elasticache.js';
import { resolveRedisTarget } from '../../sources/redis-options.js';
import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/**
 * ElastiCache: DescribeReplicationGroups of the configured group, and what it says about
 * the Redis settings: a group with in-transit encryption needs rediss://, one with an AUTH
 * token needs a password, one in cluster mode needs --redis-cluster.
 */
function mismatches(group: ReplicationGroupSummary, config: Config): string[] {
  let tls = false;
  let auth = false;
  try {
    const target = resolveRedisTarget(config.redis);
    tls = target.tls;
    auth = Boolean(config.redis.password || config.redis.passwordFile || target.urlPassword);
  } catch {
    // No usable Redis endpoint: the Redis line reports it.
    return [];
  }
  const out: string[] = [];
  if (group.transitEncryption && !tls) out.push('the group encrypts in transit: use rediss:// (or a redis.tls section)');
  if (group.authTokenEnabled && !auth) out.push('the group requires AUTH: set MANGA_ONCALL_REDIS_PASSWORD or redis.passwordFile');
  if (group.clusterEnabled && !(config.redis.cluster?.length ?? 0)) out.push('the group runs in cluster mode: use --redis-cluster with its configuration endpoint');
  return out;
}

export const elasticacheCheck: DoctorCheck = {
  id: 'elasticache',
  source: 'elasticache',
  name: (config) => `ElastiCache ${config.names.replicationGroup}`,
  load: () => Promise.all([import('../../sources/elasticache.js'), loadSdk('@aws-sdk/client-elasticache'), import('@smithy/node-http-handler')]),
  async run({ config, timeoutMs }) {
    const { ElastiCacheSource } = await import('../../sources/elasticache.js');
    const ec = new ElastiCacheSource(config, { timeoutMs });
    try {
      const g = await ec.describeReplicationGroup();
      const facts = [g.status, g.clusterEnabled ? 'cluster mode' : 'single shard', g.transitEncryption ? 'TLS in transit' : 'no TLS in transit', g.authTokenEnabled ? 'AUTH on' : 'AUTH off'];
      const wrong = mismatches(g, config);
      return [
        {
          id: 'elasticache',
          source: 'elasticache',
          name: `ElastiCache ${g.id}`,
          status: wrong.length ? 'warn' : 'ok',
          detail: facts.join(', '),
          ...(wrong.length ? { fix: wrong.join('; ') } : {}),
        },
      ];
    } finally {
      ec.close();
    }
  },
};
