import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeEventsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultController, startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LOCAL_AWS } from '../helpers/services.js';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu?.stop();
});

beforeEach(() => emu.reset());

const clients = (endpoint: string, extra: Record<string, unknown> = { maxAttempts: 1 }) => ({
  logs: new CloudWatchLogsClient({ ...LOCAL_AWS, endpoint, ...extra }),
  cw: new CloudWatchClient({ ...LOCAL_AWS, endpoint, ...extra }),
  ec: new ElastiCacheClient({ ...LOCAL_AWS, endpoint, ...extra }),
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { name: string; $fault?: string; $metadata?: { httpStatusCode?: number; attempts?: number } });

// requestTimeout only warns in @smithy/node-http-handler 4.x unless throwOnRequestTimeout is set.

/** Waits (no deadline of its own: the test timeout bounds it) until `fired` requests hit the fault. */
async function untilFired(controller: FaultController, id: string, fired = 1): Promise<void> {
  while ((controller.list().find((f) => f.id === id)?.fired ?? 0) < fired) await sleep(10);
}

describe('throttling and 5xx faults, with the exception names each service uses', () => {
  it('throttles each service with its own error name', async () => {
    const { logs, cw, ec } = clients(emu.endpoint);
    for (const service of ['logs', 'monitoring', 'elasticache'] as const) emu.faults.inject({ service, kind: 'throttle' });
    expect(await errorOf(logs.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(await errorOf(cw.send(new ListMetricsCommand({})))).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(await errorOf(ec.send(new DescribeEventsCommand({})))).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(emu.faults.list().map((f) => f.fired)).toEqual([1, 1, 1]);
  });

  it('answers 503 ServiceUnavailable or 500 InternalFailure as server faults', async () => {
    const { logs, cw, ec } = clients(emu.endpoint);
    emu.faults.inject({ service: 'logs', kind: '5xx' });
    emu.faults.inject({ service: 'monitoring', kind: '5xx', status: 500 });
    emu.faults.inject({ service: 'elasticache', kind: '5xx', status: 503 });
    expect(await errorOf(logs.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    expect(await errorOf(cw.send(new ListMetricsCommand({})))).toMatchObject({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    expect(await errorOf(ec.send(new DescribeEventsCommand({})))).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } });
  });

  it('limits a fault to one operation and to `times` requests, which the SDK retries through', async () => {
    const { cw } = clients(emu.endpoint, { maxAttempts: 3 });
    const fault = emu.faults.inject({ service: 'monitoring', operation: 'GetMetricData', kind: 'throttle', times: 2 });
    await cw.send(new ListMetricsCommand({}));
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(),
        MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'MangaAssist', MetricName: 'SessionErrors' }, Period: 60, Stat: 'Sum' } }],
      }),
    );
    expect(out.$metadata.attempts).toBe(3);
    expect(emu.faults.list().some((f) => f.id === fault.id)).toBe(false);
  });

  it('fires with the given probability (deterministic random source)', () => {
    const rolls = [0.9, 0.1, 0.49, 0.5];
    const controller = new FaultController(() => rolls.shift() ?? 1);
    controller.inject({ service: 'monitoring', kind: '5xx', probability: 0.5 });
    expect([1, 2, 3, 4].map(() => controller.decide('monitoring', 'ListMetrics').error?.code ?? 'ok')).toEqual(['ok', 'ServiceUnavailable', 'ServiceUnavailable', 'ok']);
    expect(() => controller.inject({ service: 'logs', kind: 'latency' })).toThrow(/latencyMs/);
    expect(() => controller.inject({ service: 'logs', kind: 'hang', probability: 0 })).toThrow(/probability/);
  });
});

describe('latency and hang faults', () => {
  it('delays answers by latencyMs without failing them, and a client timeout cuts a long delay', async () => {
    const slow = emu.faults.inject({ service: 'elasticache', kind: 'latency', latencyMs: 20 });
    const { ec } = clients(emu.endpoint);
    expect((await ec.send(new DescribeEventsCommand({}))).Events).toEqual([]);
    expect(emu.faults.list().find((f) => f.id === slow.id)?.fired).toBe(1);

    emu.faults.clear();
    emu.faults.inject({ service: 'elasticache', kind: 'latency', latencyMs: 10_000 });
    const impatient = new ElastiCacheClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1, requestHandler: new NodeHttpHandler({ requestTimeout: 250, throwOnRequestTimeout: true }) });
    expect(await errorOf(impatient.send(new DescribeEventsCommand({})))).toMatchObject({ name: 'TimeoutError' });
  });

  it('holds a hung request until the fault is cleared, then answers it normally', async () => {
    const { cw } = clients(emu.endpoint);
    const hang = emu.faults.inject({ service: 'monitoring', kind: 'hang' });
    const pending = cw.send(new ListMetricsCommand({}));
    await untilFired(emu.faults, hang.id);
    let settled = false;
    void pending.finally(() => (settled = true));
    await sleep(50);
    expect(settled).toBe(false);
    emu.faults.clear();
    expect((await pending).Metrics).toEqual([]);
  });

  it('times out a client on a hang, and stop() still returns with hung requests open', async () => {
    const own = await startEmulator();
    const hang = own.faults.inject({ service: 'logs', kind: 'hang' });
    const impatient = new CloudWatchLogsClient({ ...LOCAL_AWS, endpoint: own.endpoint, maxAttempts: 1, requestHandler: new NodeHttpHandler({ requestTimeout: 300, throwOnRequestTimeout: true }) });
    expect(await errorOf(impatient.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'TimeoutError' });

    const patient = new CloudWatchLogsClient({ ...LOCAL_AWS, endpoint: own.endpoint, maxAttempts: 1 });
    const waiting = errorOf(patient.send(new DescribeLogGroupsCommand({})));
    await untilFired(own.faults, hang.id, 2);
    await own.stop();
    // The connection is dropped, not answered.
    expect(await waiting).toBeDefined();
    expect(await errorOf(patient.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: expect.stringMatching(/Error|ECONNREFUSED/) });
  });
});

describe('admin API under /_lab', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.endpoint}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('reports health and manages faults', async () => {
    expect(await admin('GET', '/_lab/health')).toEqual({ status: 200, body: { status: 'ok', services: ['logs', 'monitoring', 'elasticache', 'sts'], faults: 0 } });
    const bad = await admin('POST', '/_lab/faults', { service: 'monitoring', kind: 'explode' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/kind/);
    expect((await admin('POST', '/_lab/faults', '{not json')).status).toBe(400);

    const created = await admin('POST', '/_lab/faults', { service: 'monitoring', operation: 'ListMetrics', kind: 'throttle', times: 5 });
    expect(created.status).toBe(201);
    const id = created.body.fault.id as string;
    expect((await admin('GET', '/_lab/faults')).body.faults).toEqual([expect.objectContaining({ id, kind: 'throttle', times: 5, fired: 0 })]);
    const { cw } = clients(emu.endpoint);
    expect(await errorOf(cw.send(new ListMetricsCommand({})))).toMatchObject({ name: 'Throttling' });
    expect((await admin('DELETE', `/_lab/faults/${id}`)).status).toBe(200);
    expect((await admin('DELETE', `/_lab/faults/${id}`)).status).toBe(404);
    expect((await cw.send(new ListMetricsCommand({}))).Metrics).toEqual([]);
    expect((await admin('GET', '/_lab/nothing-here')).status).toBe(404);
  });

  it('releases a request hung through the API when the faults are deleted', async () => {
    await admin('POST', '/_lab/faults', { service: 'elasticache', kind: 'hang' });
    const { ec } = clients(emu.endpoint);
    const pending = ec.send(new DescribeEventsCommand({}));
    const [fault] = emu.faults.list();
    await untilFired(emu.faults, fault?.id ?? '');
    expect((await admin('DELETE', '/_lab/faults')).body).toEqual({ cleared: 1 });
    expect((await pending).Events).toEqual([]);
  });

  it('seeds ElastiCache groups, events and failovers, and resets everything', async () => {
    expect((await admin('POST', '/_lab/elasticache/replication-groups', { replicationGroupId: 'manga-sessions', endpoint: { address: '127.0.0.1', port: 7000 } })).status).toBe(201);
    const seeded = await admin('POST', '/_lab/elasticache/events', {
      events: [
        { sourceId: 'manga-sessions', sourceType: 'replication-group', message: 'Cache cluster created', date: new Date(Date.now() - 120_000).toISOString() },
        { sourceId: 'manga-sessions-001', sourceType: 'cache-cluster', message: 'Added cache node 0001 in availability zone us-east-1a', date: Date.now() - 60_000 },
      ],
    });
    expect(seeded).toEqual({ status: 201, body: { added: 2 } });
    expect((await admin('POST', '/_lab/elasticache/events', { sourceId: 'x', sourceType: 'cache-node', message: 'm' })).status).toBe(400);
    expect(await admin('POST', '/_lab/elasticache/failover', { replicationGroupId: 'manga-sessions' })).toEqual({ status: 200, body: { newPrimary: 'manga-sessions-002' } });
    expect((await admin('POST', '/_lab/elasticache/failover', { replicationGroupId: 'ghost' })).status).toBe(400);

    const { ec } = clients(emu.endpoint);
    const events = (await ec.send(new DescribeEventsCommand({}))).Events ?? [];
    expect(events.map((e) => e.Message)).toContain('Added cache node 0001 in availability zone us-east-1a');
    expect(events).toHaveLength(6);

    await admin('POST', '/_lab/faults', { service: 'logs', kind: '5xx' });
    expect(await admin('POST', '/_lab/reset')).toEqual({ status: 200, body: { reset: true } });
    expect((await ec.send(new DescribeEventsCommand({}))).Events).toEqual([]);
    expect(emu.faults.list()).toEqual([]);
  });
});
