/**
 * Replication groups as DescribeReplicationGroups reports them. AWS has no API to make one
 * appear without provisioning, so the lab seeds them from a compact description and this
 * module expands it into the shape ElastiCache returns (member clusters named
 * `<id>-001` / `<id>-0001-001`, node groups `0001`..., roles, endpoints).
 */
export interface Endpoint {
  address: string;
  port: number;
}

/** What the lab says about a replication group; everything but the id has a default. */
export interface ReplicationGroupSeed {
  replicationGroupId: string;
  description?: string;
  /** available (default), creating, modifying, deleting, snapshotting... */
  status?: string;
  /** Cluster mode (sharded): member ids `<id>-<shard>-<node>` and a configuration endpoint. */
  clusterEnabled?: boolean;
  automaticFailover?: 'enabled' | 'disabled';
  multiAZ?: 'enabled' | 'disabled';
  /** Where clients connect (the lab's redis-server): primary endpoint, or configuration endpoint in cluster mode. */
  endpoint?: Endpoint;
  /** Node groups (shards); always 1 without cluster mode. */
  shards?: number;
  /** Replicas per shard (default 1). */
  replicasPerShard?: number;
  cacheNodeType?: string;
  engine?: string;
  transitEncryptionEnabled?: boolean;
  atRestEncryptionEnabled?: boolean;
  authTokenEnabled?: boolean;
  createdAt?: Date;
}

export type NodeRole = 'primary' | 'replica';

export interface NodeGroupMemberRecord {
  cacheClusterId: string;
  role: NodeRole;
  availabilityZone: string;
}

export interface NodeGroupRecord {
  nodeGroupId: string;
  slots: string | undefined;
  members: NodeGroupMemberRecord[];
}

export interface ReplicationGroupRecord {
  seed: ReplicationGroupSeed;
  clusterEnabled: boolean;
  endpoint: Endpoint;
  nodeGroups: NodeGroupRecord[];
  createdAt: Date;
}

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
const SLOTS = 16384;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Expands a seed into node groups and members, as ElastiCache would lay them out. */
export function buildReplicationGroup(seed: ReplicationGroupSeed, now: Date): ReplicationGroupRecord {
  const id = seed.replicationGroupId;
  const clusterEnabled = seed.clusterEnabled ?? false;
  const shards = clusterEnabled ? Math.max(1, seed.shards ?? 1) : 1;
  const replicas = Math.max(0, seed.replicasPerShard ?? 1);
  const nodeGroups: NodeGroupRecord[] = [];
  for (let s = 1; s <= shards; s++) {
    const low = Math.floor(((s - 1) * SLOTS) / shards);
    const high = Math.floor((s * SLOTS) / shards) - 1;
    const members: NodeGroupMemberRecord[] = [];
    for (let n = 1; n <= replicas + 1; n++) {
      members.push({
        cacheClusterId: clusterEnabled ? `${id}-${pad(s, 4)}-${pad(n, 3)}` : `${id}-${pad(n, 3)}`,
        role: n === 1 ? 'primary' : 'replica',
        availabilityZone: ZONES[(s + n - 2) % ZONES.length] as string,
      });
    }
    nodeGroups.push({ nodeGroupId: pad(s, 4), slots: clusterEnabled ? `${low}-${high}` : undefined, members });
  }
  const host = clusterEnabled ? `clustercfg.${id}.abc123.use1.cache.amazonaws.com` : `master.${id}.abc123.use1.cache.amazonaws.com`;
  return { seed, clusterEnabled, endpoint: seed.endpoint ?? { address: host, port: 6379 }, nodeGroups, createdAt: seed.createdAt ?? now };
}

function endpointOut(e: Endpoint): Record<string, unknown> {
  return { Address: e.address, Port: e.port };
}

/** The ReplicationGroup structure of DescribeReplicationGroups. */
export function replicationGroupOutput(rg: ReplicationGroupRecord): Record<string, unknown> {
  const { seed } = rg;
  const id = seed.replicationGroupId;
  const readerEndpoint = { address: rg.endpoint.address.replace(/^master\./, 'replica.'), port: rg.endpoint.port };
  return {
    ReplicationGroupId: id,
    Description: seed.description ?? `${id} replication group`,
    Status: seed.status ?? 'available',
    PendingModifiedValues: {},
    MemberClusters: rg.nodeGroups.flatMap((g) => g.members.map((m) => m.cacheClusterId)),
    NodeGroups: rg.nodeGroups.map((g) => ({
      NodeGroupId: g.nodeGroupId,
      Status: 'available',
      ...(rg.clusterEnabled ? { Slots: g.slots } : { PrimaryEndpoint: endpointOut(rg.endpoint), ReaderEndpoint: endpointOut(readerEndpoint) }),
      NodeGroupMembers: g.members.map((m) => ({
        CacheClusterId: m.cacheClusterId,
        CacheNodeId: '0001',
        ...(rg.clusterEnabled
          ? {}
          : { ReadEndpoint: endpointOut({ address: `${m.cacheClusterId}.abc123.0001.use1.cache.amazonaws.com`, port: rg.endpoint.port }), CurrentRole: m.role }),
        PreferredAvailabilityZone: m.availabilityZone,
      })),
    })),
    AutomaticFailover: seed.automaticFailover ?? 'enabled',
    MultiAZ: seed.multiAZ ?? 'enabled',
    ...(rg.clusterEnabled ? { ConfigurationEndpoint: endpointOut(rg.endpoint) } : {}),
    SnapshotRetentionLimit: 1,
    SnapshotWindow: '18:00-19:00',
    ClusterEnabled: rg.clusterEnabled,
    CacheNodeType: seed.cacheNodeType ?? 'cache.r7g.large',
    AuthTokenEnabled: seed.authTokenEnabled ?? false,
    TransitEncryptionEnabled: seed.transitEncryptionEnabled ?? false,
    AtRestEncryptionEnabled: seed.atRestEncryptionEnabled ?? true,
    ARN: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${id}`,
    ReplicationGroupCreateTime: rg.createdAt,
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    ClusterMode: rg.clusterEnabled ? 'enabled' : 'disabled',
    Engine: seed.engine ?? 'redis',
  };
}
