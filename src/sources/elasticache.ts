import type { ElastiCacheClient, SourceType } from '@aws-sdk/client-elasticache';
import type { Config } from '../config/schema.js';
import { LazyClient, awsClientOptions, profileContext, type AwsSourceOptions } from './aws-config.js';
import { SourceError } from './errors.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/** One ElastiCache event: maintenance, failover, node replacement... (scenario 1 starts here). */
export interface CacheEvent {
  sourceId: string;
  sourceType: string;
  message: string;
  date: Date | undefined;
}

export interface DescribeEventsQuery {
  /** e.g. `manga-sessions` or a node cluster `manga-sessions-0001-001`; all sources when absent. */
  sourceId?: string;
  sourceType?: `${SourceType}`;
  start: Date;
  end: Date;
  /** Stop paging after this many events (default 1000): memory stays bounded. */
  maxEvents?: number;
}

export interface ReplicationGroupMember {
  cacheClusterId: string;
  role: string | undefined;
  endpoint: string | undefined;
  availabilityZone: string | undefined;
}

export interface ReplicationGroupSummary {
  id: string;
  status: string;
  clusterEnabled: boolean;
  transitEncryption: boolean;
  authTokenEnabled: boolean;
  automaticFailover: string | undefined;
  multiAZ: string | undefined;
  /** `host:port` of the cluster-mode configuration endpoint. */
  configurationEndpoint: string | undefined;
  memberClusters: string[];
  nodeGroups: { id: string; status: string | undefined; primaryEndpoint: string | undefined; members: ReplicationGroupMember[] }[];
}

const PAGE = 100;

function hostPort(e: { Address?: string; Port?: number } | undefined): string | undefined {
  return e?.Address ? `${e.Address}:${e.Port ?? 6379}` : undefined;
}

/** ElastiCache control plane: events and the replication group. Never writes. */
export class ElastiCacheSource {
  private readonly lazy: LazyClient<ElastiCacheClient>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(async () => {
      const { ElastiCacheClient } = await loadSdk('@aws-sdk/client-elasticache');
      return new ElastiCacheClient(await awsClientOptions(config, 'elasticache', this.timeoutMs));
    });
  }

  /** Events in a window, oldest first, following Marker pages up to `maxEvents`. */
  async describeEvents(q: DescribeEventsQuery): Promise<{ events: CacheEvent[]; truncated: boolean }> {
    const ec = await this.lazy.get();
    const { DescribeEventsCommand } = await loadSdk('@aws-sdk/client-elasticache');
    const max = q.maxEvents ?? 1000;
    const events: CacheEvent[] = [];
    let truncated = false;
    await callAws(
      'elasticache',
      this.timeoutMs,
      async (abortSignal) => {
        let marker: string | undefined;
        do {
          const out = await ec.send(
            new DescribeEventsCommand({
              ...(q.sourceId ? { SourceIdentifier: q.sourceId } : {}),
              ...(q.sourceType ? { SourceType: q.sourceType } : {}),
              StartTime: q.start,
              EndTime: q.end,
              MaxRecords: PAGE,
              Marker: marker,
            }),
            { abortSignal },
          );
          for (const e of out.Events ?? []) {
            if (events.length >= max) {
              truncated = true;
              return;
            }
            events.push({ sourceId: e.SourceIdentifier ?? '', sourceType: e.SourceType ?? '', message: e.Message ?? '', date: e.Date });
          }
          marker = out.Marker;
          if (marker && events.length >= max) {
            truncated = true;
            return;
          }
        } while (marker);
      },
      profileContext(this.config, 'DescribeEvents'),
    );
    // ElastiCache returns newest first; the runbooks read a timeline.
    events.sort((a, b) => (a.date?.getTime() ?? 0) - (b.date?.getTime() ?? 0));
    return { events, truncated };
  }

  /** The replication group (default `names.replicationGroup`), or a `not_found` SourceError. */
  async describeReplicationGroup(id = this.config.names.replicationGroup): Promise<ReplicationGroupSummary> {
    const ec = await this.lazy.get();
    const { DescribeReplicationGroupsCommand } = await loadSdk('@aws-sdk/client-elasticache');
    const out = await callAws(
      'elasticache',
      this.timeoutMs,
      (abortSignal) => ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }), { abortSignal }),
      profileContext(this.config, `DescribeReplicationGroups ${id}`),
    );
    const g = out.ReplicationGroups?.[0];
    if (!g) {
      throw new SourceError({ source: 'elasticache', kind: 'not_found', message: `ElastiCache replication group ${id} was not returned`, hint: 'check names.replicationGroup and --region' });
    }
    return {
      id: g.ReplicationGroupId ?? id,
      status: g.Status ?? 'unknown',
      clusterEnabled: g.ClusterEnabled === true,
      transitEncryption: g.TransitEncryptionEnabled === true,
      authTokenEnabled: g.AuthTokenEnabled === true,
      automaticFailover: g.AutomaticFailover,
      multiAZ: g.MultiAZ,
      configurationEndpoint: hostPort(g.ConfigurationEndpoint),
      memberClusters: g.MemberClusters ?? [],
      nodeGroups: (g.NodeGroups ?? []).map((ng) => ({
        id: ng.NodeGroupId ?? '',
        status: ng.Status,
        primaryEndpoint: hostPort(ng.PrimaryEndpoint),
        members: (ng.NodeGroupMembers ?? []).map((m) => ({
          cacheClusterId: m.CacheClusterId ?? '',
          role: m.CurrentRole,
          endpoint: hostPort(m.ReadEndpoint),
          availabilityZone: m.PreferredAvailabilityZone,
        })),
      })),
    };
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }
}
