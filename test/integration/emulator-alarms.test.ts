import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LOCAL_AWS } from '../helpers/services.js';

const T0 = Date.UTC(2025, 5, 1, 3, 0, 0);
const MIN = 60_000;
let now = T0;

let emu: RunningEmulator;
let cw: CloudWatchClient;

beforeAll(async () => {
  emu = await startEmulator({ clock: () => now });
  cw = new CloudWatchClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  cw?.destroy();
  await emu?.stop();
});

beforeEach(() => {
  emu.reset();
  now = T0;
});

/** The seed's manga_session_errors alarm: SessionErrors Sum > 50 per minute, 2 of 3 minutes. */
const sessionErrorsAlarm: PutMetricAlarmCommandInput = {
  AlarmName: 'manga_session_errors',
  Namespace: 'MangaAssist',
  MetricName: 'SessionErrors',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
  AlarmActions: ['arn:aws:sns:us-east-1:123456789012:oncall-page'],
};

async function errorsAt(secondsAgo: number, value: number, metric = 'SessionErrors'): Promise<void> {
  await cw.send(new PutMetricDataCommand({ Namespace: 'MangaAssist', MetricData: [{ MetricName: metric, Value: value, Timestamp: new Date(now - secondsAgo * 1000) }] }));
}

async function alarm(name: string): Promise<MetricAlarm> {
  const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  expect(out.MetricAlarms).toHaveLength(1);
  return out.MetricAlarms?.[0] as MetricAlarm;
}

describe('alarm state evaluated from the stored datapoints', () => {
  it('goes INSUFFICIENT_DATA -> ALARM -> OK -> INSUFFICIENT_DATA as data arrives and ages', async () => {
    await cw.send(new PutMetricAlarmCommand(sessionErrorsAlarm));
    const created = await alarm('manga_session_errors');
    expect(created).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', Threshold: 50, DatapointsToAlarm: 2, AlarmActions: sessionErrorsAlarm.AlarmActions });
    expect(created.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:123456789012:alarm:manga_session_errors');

    now += 10 * MIN;
    await errorsAt(150, 80); // period 2 (oldest of three)
    await errorsAt(30, 20);
    await errorsAt(20, 40); // period 0: Sum 60
    const fired = await alarm('manga_session_errors');
    expect(fired.StateValue).toBe('ALARM');
    expect(fired.StateReason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[60\.0 .*80\.0 .*\] were greater than the threshold \(50\.0\)/);
    expect(fired.StateUpdatedTimestamp?.getTime()).toBe(now);
    expect(JSON.parse(fired.StateReasonData ?? '{}')).toMatchObject({ statistic: 'Sum', period: 60, recentDatapoints: [60, 80], threshold: 50 });

    // One minute later the 80 has left the window: one breaching period of three -> OK.
    const firedAt = now;
    now += MIN;
    await errorsAt(5, 10);
    const calmer = await alarm('manga_session_errors');
    expect(calmer.StateValue).toBe('OK');
    expect(calmer.StateUpdatedTimestamp?.getTime()).toBe(now);
    expect(calmer.StateUpdatedTimestamp?.getTime()).toBeGreaterThan(firedAt);

    // Describing again without a change keeps the transition time.
    now += 10_000;
    expect((await alarm('manga_session_errors')).StateUpdatedTimestamp?.getTime()).toBe(now - 10_000);

    now += 10 * MIN;
    expect((await alarm('manga_session_errors')).StateValue).toBe('INSUFFICIENT_DATA');
  });

  it('treats missing data as configured', async () => {
    const base = { ...sessionErrorsAlarm, DatapointsToAlarm: 3 };
    await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'missing-missing' }));
    await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'missing-breaching', TreatMissingData: 'breaching' }));
    await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'missing-notbreaching', TreatMissingData: 'notBreaching' }));
    await cw.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'missing-ignore', TreatMissingData: 'ignore' }));
    const states = async () =>
      Object.fromEntries(((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'missing-' }))).MetricAlarms ?? []).map((a) => [a.AlarmName, a.StateValue]));

    expect(await states()).toEqual({
      'missing-breaching': 'ALARM',
      'missing-ignore': 'INSUFFICIENT_DATA',
      'missing-missing': 'INSUFFICIENT_DATA',
      'missing-notbreaching': 'OK',
    });
    await errorsAt(10, 99); // one breaching period, two missing
    expect(await states()).toEqual({
      'missing-breaching': 'ALARM',
      'missing-ignore': 'OK',
      'missing-missing': 'OK',
      'missing-notbreaching': 'OK',
    });
    // Data ages out: "ignore" keeps its last state, "missing" has nothing to judge.
    now += 5 * MIN;
    expect(await states()).toMatchObject({ 'missing-ignore': 'OK', 'missing-missing': 'INSUFFICIENT_DATA' });
  });

  it('evaluates a p99 (ExtendedStatistic) alarm from raw latency values', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'agent_squad_p99_latency',
        Namespace: 'MangaAssist',
        MetricName: 'AgentSquadLatency',
        ExtendedStatistic: 'p99',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5000,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const put = (values: number[], counts: number[]) =>
      cw.send(new PutMetricDataCommand({ Namespace: 'MangaAssist', MetricData: [{ MetricName: 'AgentSquadLatency', Unit: 'Milliseconds', Values: values, Counts: counts, Timestamp: new Date(now - 1000) }] }));
    await put([800, 9000], [995, 5]); // p99 = 800: one slow request in 200 is not a p99 problem
    expect((await alarm('agent_squad_p99_latency')).StateValue).toBe('OK');
    await put([12000], [20]); // now 25 of 1020 are slow: p99 = 12000
    const fired = await alarm('agent_squad_p99_latency');
    expect(fired.StateValue).toBe('ALARM');
    expect(fired.ExtendedStatistic).toBe('p99');
    expect(fired.Statistic).toBeUndefined();
  });

  it('holds a SetAlarmState override until new data arrives for the metric', async () => {
    await cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, EvaluationPeriods: 1, DatapointsToAlarm: 1 }));
    await errorsAt(5, 1);
    expect((await alarm('manga_session_errors')).StateValue).toBe('OK');

    now += 1000;
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'manga_session_errors', StateValue: 'ALARM', StateReason: 'testing the pager', StateReasonData: '{"by":"test"}' }));
    const overridden = await alarm('manga_session_errors');
    expect(overridden).toMatchObject({ StateValue: 'ALARM', StateReason: 'testing the pager', StateReasonData: '{"by":"test"}' });
    expect(overridden.StateUpdatedTimestamp?.getTime()).toBe(now);
    now += 1000;
    expect((await alarm('manga_session_errors')).StateValue).toBe('ALARM');
    // Data on another metric does not end it.
    await errorsAt(1, 500, 'RoutingCount');
    expect((await alarm('manga_session_errors')).StateValue).toBe('ALARM');

    await errorsAt(1, 2);
    const reevaluated = await alarm('manga_session_errors');
    expect(reevaluated.StateValue).toBe('OK');
    expect(reevaluated.StateReason).toMatch(/^Threshold Crossed/);
  });
});

describe('DescribeAlarms, PutMetricAlarm and DeleteAlarms', () => {
  async function putAlarms(names: string[]): Promise<void> {
    for (const AlarmName of names) await cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, AlarmName, EvaluationPeriods: 1, DatapointsToAlarm: 1 }));
  }

  it('pages with MaxRecords and NextToken in name order, filtered by prefix and state', async () => {
    await putAlarms(['b-2', 'a-1', 'b-1', 'c-1', 'b-3']);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: token }));
      expect(out.MetricAlarms?.length).toBeLessThanOrEqual(2);
      seen.push(...(out.MetricAlarms ?? []).map((a) => a.AlarmName as string));
      token = out.NextToken;
      pages += 1;
    } while (token && pages < 10);
    expect(seen).toEqual(['a-1', 'b-1', 'b-2', 'b-3', 'c-1']);
    expect(pages).toBe(3);

    const prefixed = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'b-' }));
    expect(prefixed.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['b-1', 'b-2', 'b-3']);

    await errorsAt(5, 100);
    expect((await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms).toHaveLength(5);
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'b-2', StateValue: 'OK', StateReason: 'silenced' }));
    expect((await cw.send(new DescribeAlarmsCommand({ StateValue: 'OK' }))).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['b-2']);
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }))).MetricAlarms).toEqual([]);
  });

  it('answers bad requests with the errors CloudWatch uses', async () => {
    await putAlarms(['only']);
    const nameOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { name: string }) => e.name);
    expect(await nameOf(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['only'], AlarmNamePrefix: 'o' })))).toBe('InvalidParameterCombinationException');
    expect(await nameOf(cw.send(new DescribeAlarmsCommand({ NextToken: 'not-a-token' })))).toBe('InvalidNextToken');
    expect(await nameOf(cw.send(new SetAlarmStateCommand({ AlarmName: 'ghost', StateValue: 'OK', StateReason: 'x' })))).toBe('ResourceNotFound');
    expect(await nameOf(cw.send(new SetAlarmStateCommand({ AlarmName: 'only', StateValue: 'OK', StateReason: 'x', StateReasonData: '{nope' })))).toBe('InvalidFormatFault');
    expect(await nameOf(cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, Statistic: undefined })))).toBe('MissingRequiredParameterException');
    expect(await nameOf(cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, ExtendedStatistic: 'p99' })))).toBe('InvalidParameterCombinationException');
    expect(await nameOf(cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, DatapointsToAlarm: 4 })))).toBe('InvalidParameterValueException');
    expect(await nameOf(cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, Period: 45 })))).toBe('InvalidParameterValueException');
    expect(await nameOf(cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, ComparisonOperator: 'LessThanLowerThreshold' })))).toBe('InvalidParameterValueException');
  });

  it('deletes all named alarms, or none when one is unknown', async () => {
    await putAlarms(['x', 'y', 'z']);
    await expect(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['x', 'ghost'] }))).rejects.toMatchObject({ name: 'ResourceNotFound', $metadata: { httpStatusCode: 404 } });
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toHaveLength(3);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['x', 'z'] }));
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms?.map((a) => a.AlarmName)).toEqual(['y']);
  });

  it('replaces the configuration of an existing alarm and keeps its state', async () => {
    await putAlarms(['swap']);
    await errorsAt(5, 100);
    expect((await alarm('swap')).StateValue).toBe('ALARM');
    const before = (await alarm('swap')).StateUpdatedTimestamp?.getTime();
    now += 1000;
    await cw.send(new PutMetricAlarmCommand({ ...sessionErrorsAlarm, AlarmName: 'swap', EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 500, AlarmDescription: 'raised' }));
    const updated = await alarm('swap');
    expect(updated).toMatchObject({ Threshold: 500, AlarmDescription: 'raised', StateValue: 'OK' });
    expect(updated.AlarmConfigurationUpdatedTimestamp?.getTime()).toBe(now);
    expect(updated.StateUpdatedTimestamp?.getTime()).toBeGreaterThan(before ?? Infinity);
  });
});
