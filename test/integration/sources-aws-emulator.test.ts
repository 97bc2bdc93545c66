import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { CloudWatchSource } from '../../src/sources/cloudwatch.js';
import { ElastiCacheSource } from '../../src/sources/elasticache.js';
import { SourceError } from '../../src/sources/errors.js';
import { LogsSource } from '../../src/sources/logs-insights.js';
import { LOCAL_AWS } from '../helpers/services.js';

/**
 * The CloudWatch, CloudWatch Logs and ElastiCache adapters against the project's emulator,
 * which speaks the services' real wire protocols to the unmodified SDK clients. Data is
 * seeded through the SDK where AWS has an API for it, and through the emulator where it
 * has none (ElastiCache events and replication groups).
 */
const LOG_GROUP = '/manga-assist/orchestrator';

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('AWS adapters against the lab emulator', () => {
  let emu: RunningEmulator;
  let config: Config;
  let logs: LogsSource;
  let cloudwatch: CloudWatchSource;
  let elasticache: ElastiCacheSource;
  const calls: CallRecord[] = [];
  const now = Date.now();

  beforeAll(async () => {
    emu = await startEmulator({ onCall: (c) => calls.push(c) });
    config = configSchema.parse({
      aws: {
        endpoints: { logs: emu.endpoint, cloudwatch: emu.endpoint, elasticache: emu.endpoint },
        accessKeyId: 'lab',
        secretAccessKey: 'lab-secret-not-a-secret',
      },
      timeoutMs: 3000,
    });
    logs = new LogsSource(config);
    cloudwatch = new CloudWatchSource(config);
    elasticache = new ElastiCacheSource(config);

    // Log events: one JSON object per event, as the orchestrator writes them.
    const rawLogs = new CloudWatchLogsClient({ ...LOCAL_AWS, endpoint: emu.endpoint });
    await rawLogs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await rawLogs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: 'orchestrator-1' }));
    const errorTypes = ['JSONDecodeError', 'JSONDecodeError', 'RedisConnectionError', 'JSONDecodeError', 'KeyError'];
    const events = errorTypes.map((error_type, i) => ({
      timestamp: now - 10 * 60_000 + i * 1000,
      message: JSON.stringify({ event: 'session_load_failed', level: 'ERROR', session_id: `sess-${i}`, error_type }),
    }));
    for (let i = 0; i < 40; i++) {
      events.push({ timestamp: now - 9 * 60_000 + i * 1000, message: JSON.stringify({ event: 'route', session_id: `sess-${i % 4}`, agent: 'ProductSearchAgent', confidence: 0.41 }) });
    }
    events.sort((a, b) => a.timestamp - b.timestamp);
    await rawLogs.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: 'orchestrator-1', logEvents: events }));
    rawLogs.destroy();

    // Metrics and alarms through the SDK.
    const rawCw = new CloudWatchClient({ ...LOCAL_AWS, endpoint: emu.endpoint });
    const minute = Math.floor(now / 60_000) * 60_000;
    await rawCw.send(
      new PutMetricDataCommand({
        Namespace: 'MangaAssist',
        MetricData: Array.from({ length: 10 }, (_, i) => ({
          MetricName: 'SessionErrors',
          Timestamp: new Date(minute - (10 - i) * 60_000),
          Value: i,
          Unit: 'Count' as const,
        })),
      }),
    );
    await rawCw.send(
      new PutMetricDataCommand({
        Namespace: 'MangaAssist',
        MetricData: [{ MetricName: 'AgentSquadLatency', Dimensions: [{ Name: 'Agent', Value: 'Squad' }], Timestamp: new Date(minute - 5 * 60_000), Values: [100, 200, 7000], Counts: [98, 1, 1], Unit: 'Milliseconds' as const }],
      }),
    );
    for (const [name, metric] of [
      ['manga_session_errors', 'SessionErrors'],
      ['agent_squad_p99_latency', 'AgentSquadLatency'],
    ] as const) {
      await rawCw.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: 'MangaAssist',
          MetricName: metric,
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    await rawCw.send(new SetAlarmStateCommand({ AlarmName: 'manga_session_errors', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).' }));
    rawCw.destroy();

    emu.elasticache.addReplicationGroup({ replicationGroupId: 'manga-sessions', transitEncryptionEnabled: true, authTokenEnabled: true, automaticFailover: 'enabled' });
    for (let i = 0; i < 250; i++) {
      emu.elasticache.addEvent({ sourceId: 'manga-sessions-001', sourceType: 'cache-cluster', message: `maintenance step ${i}`, date: now - 60 * 60_000 + i * 1000 });
    }
    emu.elasticache.addEvent({ sourceId: 'other-cluster', sourceType: 'cache-cluster', message: 'unrelated', date: now - 30 * 60_000 });
  });

  afterEach(() => emu.faults.clear());
  afterAll(async () => {
    logs?.close();
    cloudwatch?.close();
    elasticache?.close();
    await emu?.stop();
  });

  it('describeAlarms returns state, reason and update time, and leaves out unknown names', async () => {
    const alarms = await cloudwatch.describeAlarms(['manga_session_errors', 'agent_squad_p99_latency', 'no_such_alarm']);
    const byName = new Map(alarms.map((a) => [a.name, a]));
    expect([...byName.keys()].sort()).toEqual(['agent_squad_p99_latency', 'manga_session_errors']);
    const errors = byName.get('manga_session_errors')!;
    expect(errors.state).toBe('ALARM');
    expect(errors.reason).toContain('Threshold Crossed');
    expect(errors.updated).toBeInstanceOf(Date);
    expect(errors.metric).toBe('SessionErrors');
    expect(errors.threshold).toBe(5);
  });

  it('metricWindow returns the datapoints oldest first, a percentile included', async () => {
    const minute = Math.floor(now / 60_000) * 60_000;
    const sums = await cloudwatch.metricWindow({
      namespace: 'MangaAssist',
      metric: 'SessionErrors',
      stat: 'Sum',
      periodSec: 60,
      start: new Date(minute - 20 * 60_000),
      end: new Date(minute),
    });
    expect(sums.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const times = sums.timestamps.map((t) => t.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(minute - 10 * 60_000);

    const p99 = await cloudwatch.metricWindow({
      namespace: 'MangaAssist',
      metric: 'AgentSquadLatency',
      stat: 'p99',
      periodSec: 60,
      start: new Date(minute - 20 * 60_000),
      end: new Date(minute),
      dimensions: { Agent: 'Squad' },
    });
    // 100 samples: 98 x 100 ms, 1 x 200 ms, 1 x 7000 ms; the 99th is 200 ms.
    expect(p99.values).toEqual([200]);
  });

  it('runInsightsQuery polls to completion and returns rows as field maps, with statistics', async () => {
    const result = await logs.runInsightsQuery(
      {
        startTime: new Date(now - 30 * 60_000),
        endTime: new Date(now),
        query: 'filter event = "session_load_failed" | stats count(*) as failures by error_type | sort failures desc',
      },
      { pollMs: 10 },
    );
    expect(result.rows[0]).toEqual({ error_type: 'JSONDecodeError', failures: '3' });
    expect(result.rows).toHaveLength(3);
    expect(result.statistics.recordsMatched).toBe(5);
    expect(result.statistics.recordsScanned).toBeGreaterThanOrEqual(45);
  });

  it('a hung GetQueryResults is a timeout within timeout + 1 s, and the query is stopped', async () => {
    emu.faults.inject({ service: 'logs', operation: 'GetQueryResults', kind: 'hang' });
    const before = calls.length;
    const started = Date.now();
    const err = await failure(
      logs.runInsightsQuery({ startTime: new Date(now - 30 * 60_000), endTime: new Date(now), query: 'fields @timestamp' }, { timeoutMs: 500, pollMs: 10 }),
    );
    expect(Date.now() - started).toBeLessThan(500 + 1000);
    expect(err.kind).toBe('timeout');
    expect(err.errorCode).toBe('LOGS_TIMEOUT');
    expect(err.exitCode).toBe(4);
    expect(calls.slice(before).map((c) => c.operation)).toContain('StopQuery');
  });

  it('throttling and 5xx from the service are classified by exception name and status', async () => {
    emu.faults.inject({ service: 'logs', operation: 'StartQuery', kind: 'throttle' });
    const throttled = await failure(logs.runInsightsQuery({ startTime: new Date(now - 60_000), endTime: new Date(now), query: 'fields @timestamp' }));
    expect(throttled.kind).toBe('throttled');
    expect(throttled.message).toContain('ThrottlingException');
    emu.faults.clear();
    emu.faults.inject({ service: 'monitoring', operation: 'DescribeAlarms', kind: '5xx' });
    const down = await failure(cloudwatch.describeAlarms(['manga_session_errors']));
    expect(down.kind).toBe('unavailable');
    expect(down.exitCode).toBe(4);
  });

  it('filterEvents follows pages and stops at maxEvents', async () => {
    const before = calls.length;
    const all = await logs.filterEvents({ start: new Date(now - 30 * 60_000), end: new Date(now), filterPattern: '{ $.event = "route" }', pageSize: 7 });
    expect(all.events).toHaveLength(40);
    expect(all.truncated).toBe(false);
    expect(new Set(all.events.map((e) => e.eventId)).size).toBe(40);
    // 40 events, 7 a page: at least 6 requests.
    expect(calls.slice(before).filter((c) => c.operation === 'FilterLogEvents').length).toBeGreaterThanOrEqual(6);
    const some = await logs.filterEvents({ start: new Date(now - 30 * 60_000), end: new Date(now), filterPattern: '{ $.event = "route" }', maxEvents: 15 });
    expect(some.events).toHaveLength(15);
    expect(some.truncated).toBe(true);
    expect(JSON.parse(some.events[0]!.message).event).toBe('route');
  });

  it('a missing log group is not_found, exit 2', async () => {
    const err = await failure(logs.filterEvents({ logGroup: '/manga-assist/typo', start: new Date(now - 60_000), end: new Date(now) }));
    expect(err.kind).toBe('not_found');
    expect(err.exitCode).toBe(2);
  });

  it('describeEvents follows Marker pages, oldest first, and bounds the count', async () => {
    const before = calls.length;
    const all = await elasticache.describeEvents({ sourceId: 'manga-sessions-001', sourceType: 'cache-cluster', start: new Date(now - 2 * 3600_000), end: new Date(now) });
    expect(all.events).toHaveLength(250);
    expect(calls.slice(before).filter((c) => c.operation === 'DescribeEvents')).toHaveLength(3);
    expect(all.truncated).toBe(false);
    expect(all.events[0]!.message).toBe('maintenance step 0');
    expect(all.events[249]!.message).toBe('maintenance step 249');
    expect(new Set(all.events.map((e) => e.sourceId))).toEqual(new Set(['manga-sessions-001']));
    const bounded = await elasticache.describeEvents({ start: new Date(now - 2 * 3600_000), end: new Date(now), maxEvents: 120 });
    expect(bounded.events).toHaveLength(120);
    expect(bounded.truncated).toBe(true);
  });

  it('describeReplicationGroup summarises the group; an unknown id is not_found', async () => {
    const rg = await elasticache.describeReplicationGroup();
    expect(rg.id).toBe('manga-sessions');
    expect(rg.transitEncryption).toBe(true);
    expect(rg.authTokenEnabled).toBe(true);
    expect(rg.nodeGroups.length).toBeGreaterThan(0);
    expect(rg.nodeGroups[0]!.members.some((m) => m.role === 'primary')).toBe(true);
    const err = await failure(elasticache.describeReplicationGroup('manga-sesions'));
    expect(err.kind).toBe('not_found');
    expect(err.message).toContain('ReplicationGroupNotFoundFault');
  });
});
