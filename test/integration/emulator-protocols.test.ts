import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { DescribeEventsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { decodeQueryParams } from '../../src/lab/emulator/protocols/query.js';
import { LOCAL_AWS } from '../helpers/services.js';

const T0 = Date.UTC(2025, 5, 1, 6, 0, 0);
let emu: RunningEmulator;
const calls: CallRecord[] = [];

beforeAll(async () => {
  emu = await startEmulator({ clock: () => T0 + 10 * 60_000, onCall: (c) => calls.push(c) });
});

afterAll(async () => {
  await emu?.stop();
});

beforeEach(() => {
  emu.reset();
  calls.length = 0;
});

// CloudWatch is awsQueryCompatible and modelled with three protocols: the SDK v3 default is
// JSON 1.0, botocore >= 1.36 picks RPC v2 CBOR, older CLIs use query/XML. The SDK can be told
// to speak the other two, which exercises our codecs against the SDK's own deserializers.
describe.each([
  ['cbor', AwsSmithyRpcV2CborProtocol],
  ['query', AwsQueryProtocol],
  ['json', undefined],
] as const)('CloudWatch over %s, read by the SDK', (protocol, Protocol) => {
  const client = () => new CloudWatchClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1, ...(Protocol ? { protocol: Protocol as never } : {}) });

  it('round-trips metric data, timestamps and alarm state', async () => {
    const cw = client();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'MangaAssist',
        MetricData: [
          { MetricName: 'SessionErrors', Timestamp: new Date(T0 + 60_000 + 1500), Values: [30, 40], Counts: [1, 1], Dimensions: [{ Name: 'ErrorType', Value: 'JSONDecodeError <&> "q" ワンピース' }] },
        ],
      }),
    );
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 5 * 60_000),
        MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'MangaAssist', MetricName: 'SessionErrors', Dimensions: [{ Name: 'ErrorType', Value: 'JSONDecodeError <&> "q" ワンピース' }] }, Period: 60, Stat: 'Sum' } }],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Timestamps).toEqual([new Date(T0 + 60_000)]);
    expect(data.MetricDataResults?.[0]?.Values).toEqual([70]);

    await cw.send(new PutMetricAlarmCommand({ AlarmName: 'a', Namespace: 'MangaAssist', MetricName: 'Nothing', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
    const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }));
    expect(alarms.MetricAlarms?.[0]).toMatchObject({ AlarmName: 'a', StateValue: 'INSUFFICIENT_DATA', Threshold: 1, OKActions: [], ActionsEnabled: true });
    expect(alarms.MetricAlarms?.[0]?.StateUpdatedTimestamp).toEqual(new Date(T0 + 10 * 60_000));
    expect(calls.map((c) => c.protocol)).toEqual([protocol, protocol, protocol, protocol]);
  });

  it('delivers errors under the names the SDK exposes', async () => {
    const cw = client();
    await expect(cw.send(new SetAlarmStateCommand({ AlarmName: 'ghost', StateValue: 'OK', StateReason: 'r' }))).rejects.toMatchObject({
      name: 'ResourceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(cw.send(new GetMetricDataCommand({ StartTime: new Date(T0), EndTime: new Date(T0 + 1), MetricDataQueries: [{ Id: 'e', Expression: 'SUM(METRICS())' }] }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });
});

describe('the wire, byte for byte', () => {
  const post = (path: string, headers: Record<string, string>, body: string | Buffer) =>
    fetch(`${emu.endpoint}${path}`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
  const form = (params: Record<string, string>, extra: Record<string, string> = {}) =>
    post('/', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...extra }, new URLSearchParams(params).toString());

  it('sends query-compatible JSON errors with x-amzn-query-error and a namespaced __type', async () => {
    const res = await post('/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms' }, '{"MaxRecords": 1000}');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-query-error')).toBe('InvalidParameterValue;Sender');
    expect(JSON.parse(res.text)).toMatchObject({ __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException' });
  });

  it('writes query errors as <ErrorResponse> with the query code', async () => {
    const res = await form({ Action: 'DescribeAlarms', Version: '2010-08-01', MaxRecords: '1000' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<ErrorResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><Error><Type>Sender<\/Type><Code>InvalidParameterValue<\/Code>/);
    expect(res.text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  });

  it("uses ElastiCache's named list members and escapes text", async () => {
    emu.elasticache.addReplicationGroup({ replicationGroupId: 'manga-sessions' });
    emu.elasticache.addEvent({ sourceId: 'manga-sessions', sourceType: 'replication-group', message: 'a <b> & "c"', date: T0 + 9 * 60_000 });
    const events = await form({ Action: 'DescribeEvents', Version: '2015-02-02' });
    expect(events.status).toBe(200);
    expect(events.text).toContain('<DescribeEventsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeEventsResult><Events><Event>');
    expect(events.text).toContain('<Message>a &lt;b&gt; &amp; &quot;c&quot;</Message>');
    expect(events.text).toContain(`<Date>${new Date(T0 + 9 * 60_000).toISOString()}</Date>`);
    const groups = await form({ Action: 'DescribeReplicationGroups', Version: '2015-02-02' });
    expect(groups.text).toMatch(/<ReplicationGroups><ReplicationGroup>.*<MemberClusters><ClusterId>manga-sessions-001<\/ClusterId>/);
    expect(groups.text).toMatch(/<NodeGroups><NodeGroup>.*<NodeGroupMembers><NodeGroupMember><CacheClusterId>/);
  });

  it('keeps CR and replaces the control characters XML cannot carry, as the SDK reads them', async () => {
    emu.elasticache.addEvent({ sourceId: 'manga-sessions', sourceType: 'replication-group', message: 'line 1\r\nline 2\t<&>\u0001', date: T0 + 9 * 60_000 });
    const ec = new ElastiCacheClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1 });
    const events = await ec.send(new DescribeEventsCommand({}));
    expect(events.Events?.map((e) => e.Message)).toEqual(['line 1\r\nline 2\t<&>\uFFFD']);
  });

  it('routes a query request without Version by the SigV4 credential scope', async () => {
    const auth = 'AWS4-HMAC-SHA256 Credential=AKID/20250601/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=00';
    const res = await form({ Action: 'DescribeEvents' }, { authorization: auth });
    expect(res.status).toBe(200);
    expect(calls.at(-1)).toMatchObject({ service: 'elasticache', protocol: 'query', operation: 'DescribeEvents' });
  });

  it('accepts gzip-compressed request bodies', async () => {
    const body = gzipSync(new URLSearchParams({ Action: 'PutMetricData', Version: '2010-08-01', Namespace: 'MangaAssist', 'MetricData.member.1.MetricName': 'RoutingCount', 'MetricData.member.1.Value': '4' }).toString());
    const res = await post('/', { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, body);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^<\?xml.*<PutMetricDataResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><ResponseMetadata>/s);
    expect(emu.monitoring.metrics.all().map((s) => s.identity.metricName)).toEqual(['RoutingCount']);
  });

  it('answers unknown operations and services in the protocol they were asked in', async () => {
    const json = await post('/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.ExplodeEverything' }, '{}');
    expect([json.status, JSON.parse(json.text).__type]).toEqual([400, 'UnknownOperationException']);
    const cwJson = await post('/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutDashboard' }, '{}');
    expect(JSON.parse(cwJson.text).__type).toBe('com.amazonaws.cloudwatch#UnknownOperationException');
    const query = await form({ Action: 'CreateReplicationGroup', Version: '2015-02-02' });
    expect([query.status, /<Code>InvalidAction<\/Code>/.test(query.text)]).toEqual([400, true]);
    const noAction = await form({ Version: '2010-08-01' });
    expect(/<Code>MissingAction<\/Code>/.test(noAction.text)).toBe(true);
    const cbor = await post('/service/NoSuchService/operation/Op', { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' }, Buffer.alloc(0));
    expect(cbor.status).toBe(404);
    const badJson = await post('/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups' }, '{oops');
    expect(JSON.parse(badJson.text).__type).toBe('SerializationException');
  });
});

describe('query parameter decoding', () => {
  it('rebuilds nested lists, named members, maps and empty lists', () => {
    const params = new URLSearchParams([
      ['Action', 'PutMetricData'],
      ['Version', '2010-08-01'],
      ['Namespace', 'MangaAssist'],
      ['MetricData.member.2.MetricName', 'B'],
      ['MetricData.member.1.MetricName', 'A'],
      ['MetricData.member.1.Dimensions.member.1.Name', 'Agent'],
      ['MetricData.member.1.Dimensions.member.1.Value', 'catalog'],
      ['MetricData.member.1.Values.member.10', '10'],
      ['MetricData.member.1.Values.member.2', '2'],
      ['CacheNodeIds.CacheNodeId.1', '0001'],
      ['Attributes.entry.1.key', 'k'],
      ['Attributes.entry.1.value', 'v'],
      ['AlarmNames', ''],
    ]);
    expect(decodeQueryParams(params)).toEqual({
      action: 'PutMetricData',
      version: '2010-08-01',
      input: {
        Namespace: 'MangaAssist',
        MetricData: [{ MetricName: 'A', Dimensions: [{ Name: 'Agent', Value: 'catalog' }], Values: ['2', '10'] }, { MetricName: 'B' }],
        CacheNodeIds: ['0001'],
        Attributes: { k: 'v' },
        AlarmNames: '',
      },
    });
  });

  it('inverts the query serialization of any API-shaped structure (property)', () => {
    type Value = string | Value[] | { [k: string]: Value };
    const name = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,8}$/).filter((k) => k !== 'Action' && k !== 'Version' && !k.startsWith('Signature'));
    const { value } = fc.letrec<{ value: Value }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string({ minLength: 1, maxLength: 6 }),
        fc.array(tie('value'), { minLength: 1, maxLength: 3 }),
        fc.dictionary(name, tie('value'), { minKeys: 1, maxKeys: 3 }),
      ),
    }));
    const serialize = (v: Value, prefix: string, out: [string, string][]): void => {
      if (typeof v === 'string') out.push([prefix, v]);
      else if (Array.isArray(v)) v.forEach((item, i) => serialize(item, `${prefix}.member.${i + 1}`, out));
      else for (const [k, child] of Object.entries(v)) serialize(child, prefix ? `${prefix}.${k}` : k, out);
    };
    fc.assert(
      fc.property(fc.dictionary(name, value, { minKeys: 1, maxKeys: 4 }), (input) => {
        const pairs: [string, string][] = [['Action', 'X']];
        serialize(input, '', pairs);
        expect(decodeQueryParams(new URLSearchParams(pairs)).input).toEqual(input);
      }),
    );
  });
});
