import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  paginateDescribeLogGroups,
  paginateFilterLogEvents,
  PutLogEventsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LOCAL_AWS } from '../helpers/services.js';

// The official SDK client over the wire (JSON 1.1) against the emulator's CloudWatch Logs.
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const GROUP = '/manga-assist/orchestrator';

let emu: RunningEmulator;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  emu = await startEmulator({ clock: () => NOW });
  logs = new CloudWatchLogsClient({ ...LOCAL_AWS, endpoint: emu.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  logs?.destroy();
  await emu?.stop();
});

beforeEach(async () => {
  emu.reset();
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

/** Polls as a real caller does, until the query leaves Scheduled/Running (bounded). */
async function awaitQuery(queryId: string): Promise<GetQueryResultsCommandOutput> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== 'Scheduled' && out.status !== 'Running') return out;
    await sleep(20);
  }
  throw new Error(`query ${queryId} never finished`);
}

const event = (offsetMs: number, fields: Record<string, unknown>) => ({ timestamp: NOW + offsetMs, message: JSON.stringify(fields) });

describe('CloudWatch Logs over the SDK', () => {
  it('creates streams, puts events and reads them back, with AWS error names', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'orch-1' }));
    expect(await errorName(logs.send(new CreateLogGroupCommand({ logGroupName: GROUP })))).toBe('ResourceAlreadyExistsException');
    expect(await errorName(logs.send(new CreateLogStreamCommand({ logGroupName: '/nope', logStreamName: 'x' })))).toBe('ResourceNotFoundException');

    const put = await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'orch-1',
        logEvents: [event(-2000, { event: 'request', session_id: 's1' }), event(-1000, { event: 'response', session_id: 's1', text: 'こんにちは' }), event(3 * 3600_000, { event: 'late' })],
      }),
    );
    expect(put.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 2 });
    const unordered = logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'orch-1', logEvents: [event(0, {}), event(-1, {})] }));
    expect(await errorName(unordered)).toBe('InvalidParameterException');

    const got = await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'orch-1', startFromHead: true }));
    expect(got.events?.map((e) => JSON.parse(e.message ?? '{}').event)).toEqual(['request', 'response']);
    expect(JSON.parse(got.events?.[1]?.message ?? '{}').text).toBe('こんにちは');
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP }));
    expect(streams.logStreams?.[0]).toMatchObject({ logStreamName: 'orch-1', lastEventTimestamp: NOW - 1000 });
  });

  it('pages FilterLogEvents with the SDK paginator, every event once, in time order', async () => {
    for (const stream of ['orch-1', 'orch-2']) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: stream,
          logEvents: Array.from({ length: 60 }, (_, i) => event(i * 100 - 60_000, { event: i % 3 === 0 ? 'route' : 'tool_call', confidence: i / 100, n: `${stream}-${i}` })),
        }),
      );
    }
    const seen: string[] = [];
    const pages = paginateFilterLogEvents({ client: logs, pageSize: 9 }, { logGroupName: GROUP, filterPattern: '{ $.event = "route" && $.confidence < 0.5 }' });
    for await (const page of pages) seen.push(...(page.events ?? []).map((e) => JSON.parse(e.message ?? '{}').n as string));
    const expected = Array.from({ length: 50 }, (_, i) => i)
      .filter((i) => i % 3 === 0)
      .flatMap((i) => [`orch-1-${i}`, `orch-2-${i}`]);
    expect(seen).toEqual(expected);
  });

  it('runs a Logs Insights query to completion and resolves its @ptr', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'orch-1' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'orch-1',
        logEvents: [
          event(-4000, { event: 'route', session_id: 's1', turn_id: 't1', agent: 'ProductSearchAgent', confidence: 0.55 }),
          event(-3000, { event: 'route', session_id: 's1', turn_id: 't1', agent: 'MangaQAAgent', confidence: 0.52 }),
          event(-2000, { event: 'route', session_id: 's1', turn_id: 't1', agent: 'ProductSearchAgent', confidence: 0.56 }),
          event(-1000, { event: 'route', session_id: 's2', turn_id: 't9', agent: 'MangaQAAgent', confidence: 0.93 }),
        ],
      }),
    );
    const range = { logGroupName: GROUP, startTime: Math.floor(NOW / 1000) - 600, endTime: Math.floor(NOW / 1000) };
    const { queryId } = await logs.send(
      new StartQueryCommand({
        ...range,
        queryString: 'filter event = "route" and confidence < 0.7 | stats count(*) as routes, count_distinct(agent) as agents by session_id, turn_id | filter routes > 2',
      }),
    );
    const done = await awaitQuery(queryId ?? '');
    expect(done.status).toBe('Complete');
    expect(done.results).toEqual([
      [
        { field: 'session_id', value: 's1' },
        { field: 'turn_id', value: 't1' },
        { field: 'routes', value: '3' },
        { field: 'agents', value: '2' },
      ],
    ]);
    expect(done.statistics).toMatchObject({ recordsMatched: 3, recordsScanned: 4 });

    const listing = await awaitQuery((await logs.send(new StartQueryCommand({ ...range, queryString: 'fields @timestamp, agent | limit 1' }))).queryId ?? '');
    const row = listing.results?.[0] ?? [];
    expect(row.map((f) => f.field)).toEqual(['@timestamp', 'agent', '@ptr']);
    expect(row[0]?.value).toBe('2025-06-01 11:59:59.000');
    const record = await logs.send(new GetLogRecordCommand({ logRecordPointer: row[2]?.value }));
    expect(record.logRecord).toMatchObject({ agent: 'MangaQAAgent', session_id: 's2' });
  });

  it('answers a malformed query with MalformedQueryException, and stops queries', async () => {
    const range = { logGroupName: GROUP, startTime: Math.floor(NOW / 1000) - 60, endTime: Math.floor(NOW / 1000) };
    expect(await errorName(logs.send(new StartQueryCommand({ ...range, queryString: 'fields @message | frobnicate' })))).toBe('MalformedQueryException');
    const { queryId } = await logs.send(new StartQueryCommand({ ...range, queryString: 'fields @message' }));
    const stop = await logs.send(new StopQueryCommand({ queryId }));
    // Stopping races the short default schedule: either outcome is a consistent state.
    const after = await awaitQuery(queryId ?? '');
    expect(after.status).toBe(stop.success ? 'Cancelled' : 'Complete');
  });

  it('lists log groups with the SDK paginator', async () => {
    for (let i = 0; i < 7; i++) await logs.send(new CreateLogGroupCommand({ logGroupName: `/manga-assist/extra-${i}` }));
    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 3 }, { logGroupNamePrefix: '/manga-assist/' })) {
      names.push(...(page.logGroups ?? []).map((g) => g.logGroupName ?? ''));
    }
    expect(names).toHaveLength(8);
    expect(names).toEqual([...names].sort());
  });
});
