import { DescribeEventsCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, type Event } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ElastiCacheEventMessages, startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LOCAL_AWS } from '../helpers/services.js';

const NOW = Date.UTC(2025, 5, 1, 4, 0, 0);
const MIN = 60_000;
let now = NOW;

let emu: RunningEmulator;
let ec: ElastiCacheClient;
const calls: CallRecord[] = [];

beforeAll(async () => {
  emu = await startEmulator({ clock: () => now, onCall: (c) => calls.push(c) });
  ec = new ElastiCacheClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  ec?.destroy();
  await emu?.stop();
});

beforeEach(() => {
  emu.reset();
  now = NOW;
  calls.length = 0;
});

describe('DescribeReplicationGroups', () => {
  it('describes a cluster-mode-disabled group with roles, primary and reader endpoints', async () => {
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'manga-sessions', endpoint: { address: '127.0.0.1', port: 6390 }, replicasPerShard: 2 });
    const out = await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'manga-sessions' }));
    const rg = out.ReplicationGroups?.[0];
    expect(out.ReplicationGroups).toHaveLength(1);
    expect(rg).toMatchObject({
      ReplicationGroupId: 'manga-sessions',
      Status: 'available',
      ClusterEnabled: false,
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      MemberClusters: ['manga-sessions-001', 'manga-sessions-002', 'manga-sessions-003'],
    });
    const group = rg?.NodeGroups?.[0];
    expect(group?.NodeGroupId).toBe('0001');
    expect(group?.PrimaryEndpoint).toEqual({ Address: '127.0.0.1', Port: 6390 });
    expect(group?.NodeGroupMembers?.map((m) => [m.CacheClusterId, m.CurrentRole])).toEqual([
      ['manga-sessions-001', 'primary'],
      ['manga-sessions-002', 'replica'],
      ['manga-sessions-003', 'replica'],
    ]);
    expect(rg?.ReplicationGroupCreateTime?.getTime()).toBe(NOW);
    expect(calls).toEqual([{ protocol: 'query', service: 'elasticache', operation: 'DescribeReplicationGroups', status: 200, accessKeyId: 'S3RVER' }]);
  });

  it('describes a sharded (cluster mode) group with slots and a configuration endpoint', async () => {
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'manga-cluster', clusterEnabled: true, shards: 3, replicasPerShard: 1 });
    const rg = (await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'manga-cluster' }))).ReplicationGroups?.[0];
    expect(rg?.ClusterEnabled).toBe(true);
    expect(rg?.ConfigurationEndpoint?.Address).toMatch(/^clustercfg\.manga-cluster\./);
    expect(rg?.NodeGroups?.map((g) => [g.NodeGroupId, g.Slots, g.NodeGroupMembers?.length])).toEqual([
      ['0001', '0-5460', 2],
      ['0002', '5461-10921', 2],
      ['0003', '10922-16383', 2],
    ]);
    expect(rg?.MemberClusters).toContain('manga-cluster-0002-002');
  });

  it('lists every group and fails a missing one with ReplicationGroupNotFoundFault (404)', async () => {
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'b-group' });
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'a-group' });
    const all = await ec.send(new DescribeReplicationGroupsCommand({}));
    expect(all.ReplicationGroups?.map((g) => g.ReplicationGroupId)).toEqual(['a-group', 'b-group']);
    const err = await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'manga-sessions' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ReplicationGroupNotFoundFault', $fault: 'client', $metadata: { httpStatusCode: 404 } });
    expect((err as Error).message).toBe('ReplicationGroup manga-sessions not found.');
  });
});

describe('DescribeEvents', () => {
  /** 45 events, one per minute, the newest one minute ago; alternating sources. */
  function seedEvents(): void {
    for (let i = 1; i <= 45; i++) {
      const cluster = i % 2 === 0;
      emu.elasticache.addEvent({
        sourceId: cluster ? 'manga-sessions-001' : 'manga-sessions',
        sourceType: cluster ? 'cache-cluster' : 'replication-group',
        message: `event ${i} minutes ago`,
        date: new Date(NOW - i * MIN),
      });
    }
    emu.elasticache.addEvent({ sourceId: 'manga-sessions', sourceType: 'replication-group', message: 'three hours ago', date: NOW - 180 * MIN });
  }

  async function allPages(input: ConstructorParameters<typeof DescribeEventsCommand>[0]): Promise<{ events: Event[]; pages: number }> {
    const events: Event[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await ec.send(new DescribeEventsCommand({ ...input, Marker: marker }));
      events.push(...(out.Events ?? []));
      marker = out.Marker;
      pages += 1;
    } while (marker && pages < 20);
    return { events, pages };
  }

  it('pages with MaxRecords and Marker, newest first, over the default last hour', async () => {
    seedEvents();
    const { events, pages } = await allPages({ MaxRecords: 20 });
    expect(pages).toBe(3);
    expect(events).toHaveLength(45);
    expect(events[0]).toMatchObject({ Message: 'event 1 minutes ago', SourceIdentifier: 'manga-sessions', SourceType: 'replication-group' });
    expect(events[0]?.Date?.getTime()).toBe(NOW - MIN);
    const dates = events.map((e) => e.Date?.getTime() ?? 0);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
  });

  it('honours Duration, StartTime/EndTime and the source filters', async () => {
    seedEvents();
    const lastTen = await ec.send(new DescribeEventsCommand({ Duration: 10 }));
    expect(lastTen.Events?.map((e) => e.Message)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${i + 1} minutes ago`));

    const window = await ec.send(new DescribeEventsCommand({ StartTime: new Date(NOW - 200 * MIN), EndTime: new Date(NOW - 40 * MIN) }));
    expect(window.Events?.map((e) => e.Message)).toEqual(['event 40 minutes ago', 'event 41 minutes ago', 'event 42 minutes ago', 'event 43 minutes ago', 'event 44 minutes ago', 'event 45 minutes ago', 'three hours ago']);

    const clusterOnly = await allPages({ SourceType: 'cache-cluster', SourceIdentifier: 'manga-sessions-001', MaxRecords: 20 });
    expect(clusterOnly.events).toHaveLength(22);
    expect(new Set(clusterOnly.events.map((e) => e.SourceType))).toEqual(new Set(['cache-cluster']));
  });

  it('records the failover sequence ElastiCache reports and promotes the replica', async () => {
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'manga-sessions' });
    now = NOW + 5 * MIN;
    const promoted = emu.elasticache.failover('manga-sessions', { at: NOW });
    expect(promoted).toBe('manga-sessions-002');
    const events = (await ec.send(new DescribeEventsCommand({ Duration: 60 }))).Events ?? [];
    const done = ElastiCacheEventMessages.failoverComplete('manga-sessions-001', 'manga-sessions-002');
    expect(done).toBe('Failover from primary node manga-sessions-001 to replica node manga-sessions-002 completed');
    expect(events.map((e) => [e.SourceType, e.SourceIdentifier, e.Message])).toEqual([
      ['cache-cluster', 'manga-sessions-001', 'Finished recovery for cache nodes 0001'],
      ['cache-cluster', 'manga-sessions-001', 'Recovering cache nodes 0001'],
      ['replication-group', 'manga-sessions', done],
      ['cache-cluster', 'manga-sessions-001', done],
    ]);
    const rg = (await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'manga-sessions' }))).ReplicationGroups?.[0];
    expect(rg?.NodeGroups?.[0]?.NodeGroupMembers?.map((m) => m.CurrentRole)).toEqual(['replica', 'primary']);
  });

  it('rejects out-of-range MaxRecords, unknown source types and foreign markers', async () => {
    seedEvents();
    const nameOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { name: string }) => e.name);
    expect(await nameOf(ec.send(new DescribeEventsCommand({ MaxRecords: 10 })))).toBe('InvalidParameterValueException');
    expect(await nameOf(ec.send(new DescribeEventsCommand({ SourceType: 'cache-node' as never })))).toBe('InvalidParameterValueException');
    const first = await ec.send(new DescribeEventsCommand({ MaxRecords: 20 }));
    expect(await nameOf(ec.send(new DescribeEventsCommand({ MaxRecords: 20, Duration: 5, Marker: first.Marker })))).toBe('InvalidParameterValueException');
  });
});
