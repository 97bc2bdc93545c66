import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type ListMetricsCommandInput,
  PutMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LOCAL_AWS } from '../helpers/services.js';

// The emulator's clock is ours: datapoints and windows are exact, nothing depends on timing.
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const MIN = 60_000;
let now = T0 + 5 * MIN;

let emu: RunningEmulator;
let cw: CloudWatchClient;
const calls: CallRecord[] = [];

beforeAll(async () => {
  emu = await startEmulator({ clock: () => now, onCall: (c) => calls.push(c) });
  cw = new CloudWatchClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  cw?.destroy();
  await emu?.stop();
});

beforeEach(() => {
  emu.reset();
  now = T0 + 5 * MIN;
  calls.length = 0;
});

const at = (minute: number, second = 0) => new Date(T0 + minute * MIN + second * 1000);
const latency = { Namespace: 'MangaAssist', MetricName: 'AgentSquadLatency' };

/** Minute 0: 1..100; minute 1: three 7s; minute 2: a statistic set only; minute 3: 99x10 + 1x1000. */
async function putLatencyFixture(): Promise<void> {
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'MangaAssist',
      MetricData: [
        { MetricName: 'AgentSquadLatency', Timestamp: at(0, 10), Unit: 'Milliseconds', Values: Array.from({ length: 100 }, (_, i) => i + 1) },
        ...[5, 25, 45].map((s) => ({ MetricName: 'AgentSquadLatency', Timestamp: at(1, s), Unit: 'Milliseconds' as const, Value: 7 })),
        { MetricName: 'AgentSquadLatency', Timestamp: at(2, 30), Unit: 'Milliseconds', StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 } },
        { MetricName: 'AgentSquadLatency', Timestamp: at(3, 59), Unit: 'Milliseconds', Values: [10, 1000], Counts: [99, 1] },
      ],
    }),
  );
}

function query(id: string, stat: string, metric: { Namespace: string; MetricName: string } = latency): MetricDataQuery {
  return { Id: id, MetricStat: { Metric: metric, Period: 60, Stat: stat } };
}

function byId(results: MetricDataResult[] | undefined): Record<string, { t: number[]; v: number[]; status?: string }> {
  return Object.fromEntries((results ?? []).map((r) => [r.Id, { t: (r.Timestamps ?? []).map((d) => d.getTime()), v: r.Values ?? [], status: r.StatusCode }]));
}

describe('PutMetricData + GetMetricData over the JSON 1.0 protocol', () => {
  it('computes Sum, Average, SampleCount and percentiles per 1-minute period from the raw values', async () => {
    await putLatencyFixture();
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(5),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [query('sum', 'Sum'), query('avg', 'Average'), query('n', 'SampleCount'), query('p99', 'p99'), query('p100', 'p100'), query('mx', 'Maximum')],
      }),
    );
    const r = byId(out.MetricDataResults);
    const minutes = [0, 1, 2, 3].map((m) => at(m).getTime());
    expect(r.sum).toEqual({ t: minutes, v: [5050, 21, 40, 1990], status: 'Complete' });
    expect(r.avg?.v).toEqual([50.5, 7, 10, 19.9]);
    expect(r.n?.v).toEqual([100, 3, 4, 100]);
    // A statistic set carries no distribution: minute 2 has no percentile, as on CloudWatch.
    expect(r.p99).toEqual({ t: [minutes[0], minutes[1], minutes[3]], v: [99, 7, 10], status: 'Complete' });
    expect(r.p100?.v).toEqual([100, 7, 1000]);
    expect(r.mx?.v).toEqual([100, 7, 15, 1000]);
    expect(out.MetricDataResults?.[0]?.Label).toBe('AgentSquadLatency');
    expect(calls.every((c) => c.protocol === 'json' && c.service === 'monitoring')).toBe(true);
  });

  it('returns newest first by default, honours Label and ReturnData, and keeps the time range half-open', async () => {
    await putLatencyFixture();
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: at(1),
        EndTime: at(3),
        MetricDataQueries: [{ ...query('sum', 'Sum'), Label: 'latency sum' }, { ...query('hidden', 'Sum'), ReturnData: false }],
      }),
    );
    expect(out.MetricDataResults?.map((x) => x.Id)).toEqual(['sum']);
    expect(out.MetricDataResults?.[0]?.Label).toBe('latency sum');
    expect(byId(out.MetricDataResults).sum?.t).toEqual([at(2).getTime(), at(1).getTime()]);
  });

  it('treats each exact dimension set as its own metric', async () => {
    const metric = (dims: Record<string, string>, value: number) => ({
      MetricName: 'RoutingCount',
      Timestamp: at(0, 1),
      Value: value,
      Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
    });
    await cw.send(new PutMetricDataCommand({ Namespace: 'MangaAssist', MetricData: [metric({ Agent: 'catalog' }, 1), metric({ Env: 'prod', Agent: 'catalog' }, 10), metric({}, 100)] }));
    const get = async (dims: { Name: string; Value: string }[]) => {
      const out = await cw.send(
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(1),
          MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'MangaAssist', MetricName: 'RoutingCount', Dimensions: dims }, Period: 60, Stat: 'Sum' } }],
        }),
      );
      return out.MetricDataResults?.[0]?.Values;
    };
    expect(await get([{ Name: 'Agent', Value: 'catalog' }])).toEqual([1]);
    // Dimension order is not identity: {Agent, Env} is the same metric as {Env, Agent}.
    expect(await get([{ Name: 'Agent', Value: 'catalog' }, { Name: 'Env', Value: 'prod' }])).toEqual([10]);
    expect(await get([])).toEqual([100]);
    expect(await get([{ Name: 'Agent', Value: 'search' }])).toEqual([]);
  });

  it('pages by MaxDatapoints across queries, marking cut queries PartialData', async () => {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'MangaAssist',
        MetricData: [0, 1, 2, 3, 4].map((m) => ({ MetricName: 'SessionErrors', Timestamp: at(m, 30), Value: m + 1 })),
      }),
    );
    const errors = { Namespace: 'MangaAssist', MetricName: 'SessionErrors' };
    const base = { StartTime: at(0), EndTime: at(5), MetricDataQueries: [query('s', 'Sum', errors), query('m', 'Maximum', errors)] };
    const full = byId((await cw.send(new GetMetricDataCommand(base))).MetricDataResults);

    const collected: Record<string, { t: number[]; v: number[] }> = { s: { t: [], v: [] }, m: { t: [], v: [] } };
    let token: string | undefined;
    let pages = 0;
    const statuses: string[] = [];
    do {
      const page = await cw.send(new GetMetricDataCommand({ ...base, MaxDatapoints: 3, NextToken: token }));
      pages += 1;
      for (const r of page.MetricDataResults ?? []) {
        const c = collected[r.Id as string] as { t: number[]; v: number[] };
        c.t.push(...(r.Timestamps ?? []).map((d) => d.getTime()));
        c.v.push(...(r.Values ?? []));
        statuses.push(`${pages}:${r.Id}:${r.StatusCode}`);
        expect(r.Values?.length).toBe(r.Timestamps?.length);
      }
      token = page.NextToken;
    } while (token && pages < 10);
    expect(pages).toBe(4);
    expect(collected.s).toEqual({ t: full.s?.t, v: full.s?.v });
    expect(collected.m).toEqual({ t: full.m?.t, v: full.m?.v });
    expect(statuses).toContain('1:s:PartialData');
    expect(statuses).toContain('4:m:Complete');

    const first = await cw.send(new GetMetricDataCommand({ ...base, MaxDatapoints: 3 }));
    const foreign = cw.send(new GetMetricDataCommand({ ...base, StartTime: at(1), NextToken: first.NextToken }));
    await expect(foreign).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('refuses metric math with a validation error naming the query', async () => {
    const err = await cw
      .send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(5), MetricDataQueries: [query('m1', 'Sum'), { Id: 'e1', Expression: 'm1 * 2' }] }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidParameterValueException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toContain('e1');
  });

  it('validates the whole PutMetricData request before storing any of it', async () => {
    const bad = async (datum: Record<string, unknown>, namespace = 'MangaAssist') =>
      cw
        .send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: 'Good', Value: 1, Timestamp: at(0) }, { MetricName: 'X', Timestamp: at(0), ...datum }] }))
        .catch((e: { name: string }) => e.name);
    expect(await bad({ Values: [1, 2], Counts: [1] })).toBe('InvalidParameterValueException');
    expect(await bad({ Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })).toBe('InvalidParameterCombinationException');
    expect(await bad({ Value: 1, Timestamp: new Date(now - 15 * 24 * 3600_000) })).toBe('InvalidParameterValueException');
    expect(await bad({ Value: 1, Unit: 'Furlongs' })).toBe('InvalidParameterValueException');
    expect(await bad({})).toBe('MissingRequiredParameterException');
    expect(await bad({ Value: 1 }, 'AWS/ElastiCache')).toBe('InvalidParameterValueException');
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'MangaAssist' }));
    expect(listed.Metrics ?? []).toEqual([]);
  });

  it('accepts a large batch the SDK gzips (request compression) and keeps every datum', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: 'RoutingCount',
      Timestamp: at(i % 5, 1),
      Value: 1,
      Dimensions: [{ Name: 'SessionId', Value: `session-${String(i % 50).padStart(4, '0')}` }],
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: 'MangaAssist', MetricData: data }));
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'MangaAssist', MetricName: 'RoutingCount' }));
    expect(listed.Metrics).toHaveLength(50);
    const out = await cw.send(
      new GetMetricStatisticsCommand({
        ...{ Namespace: 'MangaAssist', MetricName: 'RoutingCount' },
        Dimensions: [{ Name: 'SessionId', Value: 'session-0007' }],
        StartTime: at(0),
        EndTime: at(5),
        Period: 300,
        Statistics: ['Sum', 'SampleCount'],
      }),
    );
    expect(out.Datapoints?.map((d) => [d.Sum, d.SampleCount])).toEqual([[20, 20]]);
  });
});

describe('GetMetricStatistics and ListMetrics', () => {
  it('returns ascending datapoints with basic and extended statistics', async () => {
    await putLatencyFixture();
    const basic = await cw.send(new GetMetricStatisticsCommand({ ...latency, StartTime: at(0), EndTime: at(2), Period: 60, Statistics: ['Average', 'Maximum'] }));
    expect(basic.Label).toBe('AgentSquadLatency');
    expect(basic.Datapoints?.map((d) => [d.Timestamp?.getTime(), d.Average, d.Maximum, d.Unit])).toEqual([
      [at(0).getTime(), 50.5, 100, 'Milliseconds'],
      [at(1).getTime(), 7, 7, 'Milliseconds'],
    ]);
    const ext = await cw.send(new GetMetricStatisticsCommand({ ...latency, StartTime: at(0), EndTime: at(1), Period: 60, ExtendedStatistics: ['p50', 'p99'] }));
    expect(ext.Datapoints?.[0]?.ExtendedStatistics).toEqual({ p50: 50, p99: 99 });
    await expect(cw.send(new GetMetricStatisticsCommand({ ...latency, StartTime: at(0), EndTime: at(1), Period: 60, Statistics: ['Sum'], ExtendedStatistics: ['p99'] }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
  });

  it('filters by namespace, name, dimension and recent activity', async () => {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'MangaAssist',
        MetricData: [
          { MetricName: 'SessionErrors', Value: 1, Timestamp: at(0), Dimensions: [{ Name: 'ErrorType', Value: 'JSONDecodeError' }] },
          { MetricName: 'SessionErrors', Value: 1, Timestamp: at(0), Dimensions: [{ Name: 'ErrorType', Value: 'KeyError' }] },
          { MetricName: 'RoutingCount', Value: 1, Timestamp: new Date(now - 5 * 3600_000) },
        ],
      }),
    );
    await cw.send(new PutMetricDataCommand({ Namespace: 'Other', MetricData: [{ MetricName: 'SessionErrors', Value: 1, Timestamp: at(0) }] }));
    const names = async (input: ListMetricsCommandInput) =>
      ((await cw.send(new ListMetricsCommand(input))).Metrics ?? []).map((m) => `${m.Namespace}/${m.MetricName}${(m.Dimensions ?? []).map((d) => `[${d.Value}]`).join('')}`).sort();
    expect(await names({ Namespace: 'MangaAssist' })).toEqual(['MangaAssist/RoutingCount', 'MangaAssist/SessionErrors[JSONDecodeError]', 'MangaAssist/SessionErrors[KeyError]']);
    expect(await names({ Dimensions: [{ Name: 'ErrorType', Value: 'KeyError' }] })).toEqual(['MangaAssist/SessionErrors[KeyError]']);
    expect(await names({ MetricName: 'SessionErrors', Dimensions: [{ Name: 'ErrorType' }] })).toHaveLength(2);
    expect(await names({ Namespace: 'MangaAssist', RecentlyActive: 'PT3H' })).not.toContain('MangaAssist/RoutingCount');
  });
});
