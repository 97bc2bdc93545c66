import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';

/**
 * The emulator driven by the AWS CLI, a client nobody here wrote: its botocore serializers
 * and parsers must accept what we send. Debian's AWS CLI v2 (/usr/bin/aws, installed by
 * .ci/run) is preferred; it speaks query/XML to CloudWatch. Any other `aws` on PATH (e.g. a
 * v1 from pyenv, whose newer botocore speaks RPC v2 CBOR to CloudWatch) is exercised too.
 * No `aws` at all is a failure, not a skip.
 */
const run = promisify(execFile);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function awsOnPath(): string[] {
  const found = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'aws')).filter(executable);
  return [...new Map(found.map((p) => [realpathSync(p), p])).values()];
}

const candidates = awsOnPath();
const PREFERRED = executable('/usr/bin/aws') ? '/usr/bin/aws' : candidates[0];
const OTHERS = candidates.filter((p) => PREFERRED === undefined || realpathSync(p) !== realpathSync(PREFERRED));

/** An emulator of each test's own, so concurrent tests see only their own calls. */
interface Lab {
  emu: RunningEmulator;
  calls: CallRecord[];
}

const labs: Lab[] = [];

async function startLab(): Promise<Lab> {
  const calls: CallRecord[] = [];
  const lab = { emu: await startEmulator({ onCall: (c) => calls.push(c) }), calls };
  labs.push(lab);
  return lab;
}

async function aws(lab: Lab, bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'lab',
    AWS_SECRET_ACCESS_KEY: 'lab-secret-not-a-secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  try {
    const { stdout, stderr } = await run(bin, ['--endpoint-url', lab.emu.endpoint, '--region', 'us-east-1', '--output', 'json', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function awsJson(lab: Lab, bin: string, args: string[]): Promise<any> {
  const r = await aws(lab, bin, args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout);
}

afterAll(async () => {
  await Promise.all(labs.map((l) => l.emu.stop()));
});

/** put-metric-data then get-metric-data (p99 and Average per minute); returns the protocol used. */
async function metricsRoundTrip(lab: Lab, bin: string): Promise<string | undefined> {
  const ts = new Date(Date.now() - 20_000).toISOString();
  await awsJson(lab, bin, [
    'cloudwatch', 'put-metric-data', '--namespace', 'MangaAssist',
    '--metric-data', JSON.stringify([
      { MetricName: 'SessionErrors', Value: 60, Timestamp: ts, Dimensions: [{ Name: 'ErrorType', Value: 'JSONDecodeError' }] },
      { MetricName: 'AgentSquadLatency', Unit: 'Milliseconds', Values: Array.from({ length: 100 }, (_, i) => i + 1), Timestamp: ts },
    ]),
  ]);
  const minute = Math.floor(Date.parse(ts) / 60_000) * 60_000;
  const latency = { Namespace: 'MangaAssist', MetricName: 'AgentSquadLatency' };
  const data = await awsJson(lab, bin, [
    'cloudwatch', 'get-metric-data', '--start-time', new Date(minute - 600_000).toISOString(), '--end-time', new Date(minute + 120_000).toISOString(),
    '--metric-data-queries', JSON.stringify([
      { Id: 'p99', MetricStat: { Metric: latency, Period: 60, Stat: 'p99' } },
      { Id: 'avg', MetricStat: { Metric: latency, Period: 60, Stat: 'Average' } },
    ]),
  ]);
  const results = Object.fromEntries(data.MetricDataResults.map((r: { Id: string; Values: number[] }) => [r.Id, r.Values]));
  expect(results).toEqual({ p99: [99], avg: [50.5] });
  const protocols = new Set(lab.calls.filter((c) => c.service === 'monitoring').map((c) => c.protocol));
  expect(protocols.size).toBe(1);
  return [...protocols][0];
}

/** put-metric-alarm then describe-alarms: the alarm is evaluated from the data just put. */
async function alarmRoundTrip(lab: Lab, bin: string): Promise<void> {
  // A 5-minute period keeps the datapoint in the evaluation range however slow the CLI starts.
  await awsJson(lab, bin, [
    'cloudwatch', 'put-metric-alarm', '--alarm-name', 'manga_session_errors', '--namespace', 'MangaAssist',
    '--metric-name', 'SessionErrors', '--dimensions', 'Name=ErrorType,Value=JSONDecodeError', '--statistic', 'Sum',
    '--period', '300', '--evaluation-periods', '1', '--threshold', '50', '--comparison-operator', 'GreaterThanThreshold',
  ]);
  const alarms = await awsJson(lab, bin, ['cloudwatch', 'describe-alarms', '--alarm-names', 'manga_session_errors']);
  expect(alarms.MetricAlarms).toHaveLength(1);
  expect(alarms.MetricAlarms[0]).toMatchObject({ StateValue: 'ALARM', Threshold: 50, Dimensions: [{ Name: 'ErrorType', Value: 'JSONDecodeError' }] });
  expect(alarms.MetricAlarms[0].StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoint \[60\.0/);
}

async function elastiCacheCommands(lab: Lab, bin: string): Promise<void> {
  for (let i = 0; i < 25; i++) {
    lab.emu.elasticache.addEvent({ sourceId: 'manga-sessions-001', sourceType: 'cache-cluster', message: `Recovering cache nodes 000${i % 3}`, date: Date.now() - (i + 1) * 60_000 });
  }
  // --page-size 20 makes the CLI's paginator follow the Marker to collect all 25 events.
  const events = await awsJson(lab, bin, ['elasticache', 'describe-events', '--source-type', 'cache-cluster', '--page-size', '20']);
  expect(events.Events).toHaveLength(25);
  expect(events.Events[0]).toMatchObject({ SourceIdentifier: 'manga-sessions-001', SourceType: 'cache-cluster', Message: 'Recovering cache nodes 0000' });
  expect(lab.calls.filter((c) => c.operation === 'DescribeEvents')).toHaveLength(2);
  const missing = await aws(lab, bin, ['elasticache', 'describe-replication-groups', '--replication-group-id', 'nope']);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain('ReplicationGroupNotFoundFault');
}

async function logsCommands(lab: Lab, bin: string): Promise<void> {
  const now = Date.now();
  const group = '/manga-assist/orchestrator';
  await awsJson(lab, bin, ['logs', 'create-log-group', '--log-group-name', group]);
  await awsJson(lab, bin, ['logs', 'create-log-stream', '--log-group-name', group, '--log-stream-name', 'orchestrator-1']);
  const logEvents = ['JSONDecodeError', 'JSONDecodeError', 'KeyError'].map((error_type, i) => ({
    timestamp: now - 60_000 + i,
    message: JSON.stringify({ event: 'session_load_failed', level: 'ERROR', session_id: `s-${i}`, error_type }),
  }));
  await awsJson(lab, bin, ['logs', 'put-log-events', '--log-group-name', group, '--log-stream-name', 'orchestrator-1', '--log-events', JSON.stringify(logEvents)]);
  const started = await awsJson(lab, bin, [
    'logs', 'start-query', '--log-group-name', group, '--start-time', String(Math.floor((now - 600_000) / 1000)), '--end-time', String(Math.ceil(now / 1000) + 60),
    '--query-string', 'filter event = "session_load_failed" | stats count(*) as n by error_type | sort n desc',
  ]);
  expect(started.queryId).toMatch(/\S/);
  // The emulator completes queries in ~40 ms; a CLI start takes longer, so one poll suffices, five are allowed.
  let results: any;
  for (let attempt = 0; attempt < 5 && results?.status !== 'Complete'; attempt++) {
    results = await awsJson(lab, bin, ['logs', 'get-query-results', '--query-id', started.queryId]);
  }
  expect(results.status).toBe('Complete');
  const rows = results.results.map((row: { field: string; value: string }[]) => Object.fromEntries(row.map((c) => [c.field, c.value])));
  expect(rows).toEqual([
    { error_type: 'JSONDecodeError', n: '2' },
    { error_type: 'KeyError', n: '1' },
  ]);
  expect(lab.calls.filter((c) => c.service === 'logs').every((c) => c.protocol === 'json')).toBe(true);
}

// Each CLI start costs seconds on a busy machine, so independent command chains run at once.
// Each CLI call starts a Python interpreter; four such tests at once on a busy 2-core
// machine need more than the default minute.
describe.concurrent('the AWS CLI against the emulator', { timeout: 180_000 }, () => {
  it('is installed (Debian AWS CLI v2 at /usr/bin/aws preferred)', async () => {
    expect(PREFERRED, 'no aws CLI on this machine: .ci/run installs the Debian awscli package').toBeDefined();
    const version = await run(PREFERRED as string, ['--version']);
    expect(`${version.stdout}${version.stderr}`).toMatch(/^aws-cli\/\d+\./);
  });

  it('cloudwatch put-metric-data, get-metric-data, put-metric-alarm, describe-alarms', async () => {
    const lab = await startLab();
    const protocol = await metricsRoundTrip(lab, PREFERRED as string);
    await alarmRoundTrip(lab, PREFERRED as string);
    expect(['query', 'json', 'cbor']).toContain(protocol);
  });

  it('elasticache describe-events (paged) and describe-replication-groups (not found)', async () => {
    await elastiCacheCommands(await startLab(), PREFERRED as string);
  });

  it('logs create-log-group, create-log-stream, put-log-events, start-query, get-query-results', async () => {
    await logsCommands(await startLab(), PREFERRED as string);
  });

  it.skipIf(OTHERS.length === 0)(`cloudwatch with the other aws on PATH too (${OTHERS.join(', ') || 'none'})`, async () => {
    for (const bin of OTHERS) {
      const protocol = await metricsRoundTrip(await startLab(), bin);
      expect(['query', 'json', 'cbor']).toContain(protocol);
    }
  });
});
