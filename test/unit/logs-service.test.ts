import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLogsService, type LogsService } from '../../src/lab/emulator/logs/service.js';
import { EmulatorError } from '../../src/lab/emulator/types.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const GROUP = '/manga-assist/orchestrator';

type Out = Record<string, unknown>;

function call(svc: LogsService, op: string, input: Out): Out {
  return svc.handle(op, input) as Out;
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EmulatorError) return err.code;
    throw err;
  }
  return 'no error';
}

function withGroup(opts: Parameters<typeof createLogsService>[0] = {}, streams = ['s1']): LogsService {
  const svc = createLogsService({ clock: () => NOW, ...opts });
  call(svc, 'CreateLogGroup', { logGroupName: GROUP });
  for (const s of streams) call(svc, 'CreateLogStream', { logGroupName: GROUP, logStreamName: s });
  return svc;
}

describe('log groups and streams', () => {
  it('creates, refuses duplicates and bad names, and describes with a prefix and pages', () => {
    const svc = createLogsService({ clock: () => NOW });
    for (const name of ['/a/one', '/a/two', '/a/three', '/b/one']) call(svc, 'CreateLogGroup', { logGroupName: name });
    expect(errorCode(() => call(svc, 'CreateLogGroup', { logGroupName: '/a/one' }))).toBe('ResourceAlreadyExistsException');
    expect(errorCode(() => call(svc, 'CreateLogGroup', { logGroupName: 'bad name!' }))).toBe('InvalidParameterException');
    expect(errorCode(() => call(svc, 'CreateLogGroup', {}))).toBe('InvalidParameterException');

    const first = call(svc, 'DescribeLogGroups', { logGroupNamePrefix: '/a/', limit: 2 });
    const second = call(svc, 'DescribeLogGroups', { logGroupNamePrefix: '/a/', limit: 2, nextToken: first['nextToken'] });
    const names = [...(first['logGroups'] as Out[]), ...(second['logGroups'] as Out[])].map((g) => g['logGroupName']);
    expect(names).toEqual(['/a/one', '/a/three', '/a/two']);
    expect(second['nextToken']).toBeUndefined();
    expect((first['logGroups'] as Out[])[0]).toMatchObject({ creationTime: NOW, arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/a/one:*', storedBytes: 0 });
    expect(errorCode(() => call(svc, 'DescribeLogGroups', { logGroupNamePrefix: '/b/', nextToken: first['nextToken'] }))).toBe('InvalidParameterException');
    expect(errorCode(() => call(svc, 'DescribeLogGroups', { limit: 51 }))).toBe('InvalidParameterException');
  });

  it('needs the group for a stream, and orders streams by last event time', () => {
    const svc = withGroup({}, ['old', 'new', 'empty']);
    expect(errorCode(() => call(svc, 'CreateLogStream', { logGroupName: '/nope', logStreamName: 'x' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => call(svc, 'CreateLogStream', { logGroupName: GROUP, logStreamName: 'old' }))).toBe('ResourceAlreadyExistsException');
    expect(errorCode(() => call(svc, 'CreateLogStream', { logGroupName: GROUP, logStreamName: 'a:b' }))).toBe('InvalidParameterException');
    call(svc, 'PutLogEvents', { logGroupName: GROUP, logStreamName: 'old', logEvents: [{ timestamp: NOW - 5000, message: 'a' }] });
    call(svc, 'PutLogEvents', { logGroupName: GROUP, logStreamName: 'new', logEvents: [{ timestamp: NOW - 1000, message: 'bb' }] });
    const out = call(svc, 'DescribeLogStreams', { logGroupName: GROUP, orderBy: 'LastEventTime', descending: true });
    const streams = out['logStreams'] as Out[];
    expect(streams.map((s) => s['logStreamName'])).toEqual(['new', 'old', 'empty']);
    expect(streams[0]).toMatchObject({ firstEventTimestamp: NOW - 1000, lastEventTimestamp: NOW - 1000, lastIngestionTime: NOW, storedBytes: 2 });
    expect(errorCode(() => call(svc, 'DescribeLogStreams', { logGroupName: GROUP, orderBy: 'LastEventTime', logStreamNamePrefix: 'n' }))).toBe('InvalidParameterException');
    const byPrefix = call(svc, 'DescribeLogStreams', { logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`, logStreamNamePrefix: 'e' });
    expect((byPrefix['logStreams'] as Out[]).map((s) => s['logStreamName'])).toEqual(['empty']);
  });

  it('deletes streams and groups with their events', () => {
    const svc = withGroup({}, ['s1', 's2']);
    svc.putEvents(GROUP, 's1', [{ timestamp: NOW, message: 'x' }]);
    svc.putEvents(GROUP, 's2', [{ timestamp: NOW, message: 'y' }]);
    call(svc, 'DeleteLogStream', { logGroupName: GROUP, logStreamName: 's1' });
    expect(svc.eventCount()).toBe(1);
    call(svc, 'DeleteLogGroup', { logGroupName: GROUP });
    expect(svc.eventCount()).toBe(0);
    expect(errorCode(() => call(svc, 'DeleteLogGroup', { logGroupName: GROUP }))).toBe('ResourceNotFoundException');
  });

  it('answers operations it does not implement as unknown', () => {
    expect(errorCode(() => call(createLogsService(), 'PutMetricFilter', {}))).toBe('UnknownOperationException');
    expect(errorCode(() => call(createLogsService(), 'toString', {}))).toBe('UnknownOperationException');
  });
});

describe('PutLogEvents', () => {
  const put = (svc: LogsService, logEvents: unknown, stream = 's1') => call(svc, 'PutLogEvents', { logGroupName: GROUP, logStreamName: stream, logEvents });

  it('stores a valid batch and needs an existing stream', () => {
    const svc = withGroup();
    const out = put(svc, [{ timestamp: NOW - 2, message: 'one' }, { timestamp: NOW - 1, message: 'two' }]);
    expect(out['rejectedLogEventsInfo']).toBeUndefined();
    expect(typeof out['nextSequenceToken']).toBe('string');
    expect(svc.eventCount()).toBe(2);
    expect(errorCode(() => put(svc, [{ timestamp: NOW, message: 'x' }], 'nope'))).toBe('ResourceNotFoundException');
  });

  it('refuses batches AWS refuses', () => {
    const svc = withGroup();
    const refused = {
      unordered: [{ timestamp: NOW, message: 'b' }, { timestamp: NOW - 1, message: 'a' }],
      empty: [],
      emptyMessage: [{ timestamp: NOW, message: '' }],
      noTimestamp: [{ message: 'x' }],
      tooMany: Array.from({ length: 10_001 }, () => ({ timestamp: NOW, message: 'x' })),
      tooBig: Array.from({ length: 5 }, () => ({ timestamp: NOW, message: 'x'.repeat(250_000) })),
      oneTooBig: [{ timestamp: NOW, message: 'x'.repeat(262_144) }],
      over24h: [{ timestamp: NOW - 25 * 3600_000, message: 'a' }, { timestamp: NOW, message: 'b' }],
      notAList: 'x',
    };
    for (const [why, batch] of Object.entries(refused)) {
      expect(errorCode(() => put(svc, batch)), why).toBe('InvalidParameterException');
    }
    expect(svc.eventCount()).toBe(0);
    // 10,000 events of 26 + 78 bytes is exactly within both limits.
    put(svc, Array.from({ length: 10_000 }, () => ({ timestamp: NOW, message: 'x'.repeat(78) })));
    expect(svc.eventCount()).toBe(10_000);
  });

  it('rejects too old, expired and too new events by index and keeps the rest', () => {
    const svc = withGroup();
    call(svc, 'PutRetentionPolicy', { logGroupName: GROUP, retentionInDays: 1 });
    const day = 86_400_000;
    // A batch spans at most 24 hours, so each rejection class gets a batch of its own.
    const expired = put(svc, [
      { timestamp: NOW - day - 2000, message: 'expired' },
      { timestamp: NOW - day - 1000, message: 'expired too' },
      { timestamp: NOW - 3000, message: 'kept 1' },
    ]);
    expect(expired['rejectedLogEventsInfo']).toEqual({ expiredLogEventEndIndex: 2 });
    const tooNew = put(svc, [
      { timestamp: NOW + 3600_000, message: 'kept 2' },
      { timestamp: NOW + 3 * 3600_000, message: 'too new' },
    ]);
    expect(tooNew['rejectedLogEventsInfo']).toEqual({ tooNewLogEventStartIndex: 1 });
    const stored = call(svc, 'GetLogEvents', { logGroupName: GROUP, logStreamName: 's1', startFromHead: true });
    expect((stored['events'] as Out[]).map((e) => e['message'])).toEqual(['kept 1', 'kept 2']);

    const old = withGroup();
    const out2 = put(old, [{ timestamp: NOW - 14 * day - 1000, message: 'too old' }, { timestamp: NOW - 14 * day + 1000, message: 'kept' }]);
    expect(out2['rejectedLogEventsInfo']).toEqual({ tooOldLogEventEndIndex: 1 });
    expect(old.eventCount()).toBe(1);
    expect(errorCode(() => call(svc, 'PutRetentionPolicy', { logGroupName: GROUP, retentionInDays: 2 }))).toBe('InvalidParameterException');
  });
});

describe('GetLogEvents', () => {
  const svc = withGroup();
  svc.putEvents(GROUP, 's1', Array.from({ length: 25 }, (_, i) => ({ timestamp: NOW + i * 1000, message: `m${i}` })));
  const get = (input: Out) => call(svc, 'GetLogEvents', { logGroupName: GROUP, logStreamName: 's1', ...input });
  const messages = (out: Out) => (out['events'] as Out[]).map((e) => e['message']);

  it('pages forward from the head until the token repeats', () => {
    const seen: unknown[] = [];
    let out = get({ startFromHead: true, limit: 10 });
    seen.push(...messages(out));
    for (let pages = 0; pages < 100; pages++) {
      const next = get({ nextToken: out['nextForwardToken'], limit: 10 });
      seen.push(...messages(next));
      if (next['nextForwardToken'] === out['nextForwardToken']) break;
      out = next;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
  });

  it('starts from the tail by default and pages backward', () => {
    const tail = get({ limit: 10 });
    expect(messages(tail)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
    const before = get({ nextToken: tail['nextBackwardToken'], limit: 10 });
    expect(messages(before)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 5}`));
  });

  it('takes [startTime, endTime)', () => {
    expect(messages(get({ startTime: NOW + 3000, endTime: NOW + 6000, startFromHead: true }))).toEqual(['m3', 'm4', 'm5']);
  });
});

describe('FilterLogEvents', () => {
  /** 3 streams, timestamps with many ties, JSON and plain events. */
  function seeded(): LogsService {
    const svc = withGroup({}, ['a', 'b', 'c']);
    for (const [i, stream] of ['a', 'b', 'c'].entries()) {
      svc.putEvents(
        GROUP,
        stream,
        Array.from({ length: 40 }, (_, j) => ({
          timestamp: NOW + Math.floor(j / 4) * 1000,
          message: j % 5 === 0 ? `plain ${stream}${j}` : JSON.stringify({ event: j % 2 === 0 ? 'route' : 'response', n: i * 100 + j }),
        })),
      );
    }
    return svc;
  }
  const filter = (svc: LogsService, input: Out) => call(svc, 'FilterLogEvents', { logGroupName: GROUP, ...input });

  function allPages(svc: LogsService, input: Out): Out[] {
    const events: Out[] = [];
    let token: unknown;
    let pages = 0;
    do {
      // A paging bug could loop forever on the same page: fail instead.
      if (++pages > 1000) throw new Error('FilterLogEvents paging does not advance');
      const out = filter(svc, { ...input, ...(token === undefined ? {} : { nextToken: token }) });
      events.push(...(out['events'] as Out[]));
      token = out['nextToken'];
    } while (token !== undefined);
    return events;
  }

  it('returns every event exactly once across pages, interleaved in time order', () => {
    const svc = seeded();
    const events = allPages(svc, { limit: 7 });
    expect(events).toHaveLength(120);
    expect(new Set(events.map((e) => e['eventId'])).size).toBe(120);
    const times = events.map((e) => e['timestamp'] as number);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(events.slice(0, 12).map((e) => e['logStreamName']))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('pages stably while new events arrive', () => {
    const svc = seeded();
    const first = filter(svc, { limit: 50 });
    svc.putEvents(GROUP, 'b', [{ timestamp: NOW - 60_000, message: 'arrived before the cut' }, { timestamp: NOW + 99_000, message: 'arrived after the cut' }]);
    const rest = allPages(svc, { limit: 50, nextToken: first['nextToken'] });
    const messages = [...(first['events'] as Out[]), ...rest].map((e) => e['message']);
    expect(messages).toHaveLength(121);
    expect(new Set(messages).size).toBe(121);
    expect(messages).toContain('arrived after the cut');
    expect(messages).not.toContain('arrived before the cut');
  });

  it('applies patterns, stream selections, inclusive time bounds and direction', () => {
    const svc = seeded();
    const routes = allPages(svc, { filterPattern: '{ $.event = "route" && $.n >= 100 }', limit: 5 });
    expect(routes.every((e) => JSON.parse(e['message'] as string).n >= 100)).toBe(true);
    expect(routes).toHaveLength(2 * 16);
    expect(allPages(svc, { filterPattern: 'plain', logStreamNames: ['a', 'c'] })).toHaveLength(16);
    expect(allPages(svc, { logStreamNamePrefix: 'b' }).every((e) => e['logStreamName'] === 'b')).toBe(true);
    expect(allPages(svc, { startTime: NOW + 2000, endTime: NOW + 3000 })).toHaveLength(2 * 4 * 3);
    const newestFirst = allPages(svc, { startFromHead: false, limit: 11 });
    expect(newestFirst.map((e) => e['eventId'])).toEqual(allPages(svc, {}).map((e) => e['eventId']).reverse());
    expect(filter(svc, { limit: 120 })['nextToken']).toBeUndefined();
  });

  it('refuses bad patterns, foreign tokens and conflicting parameters', () => {
    const svc = seeded();
    const token = filter(svc, { limit: 5 })['nextToken'];
    expect(errorCode(() => filter(svc, { limit: 5, nextToken: token, filterPattern: 'x' }))).toBe('InvalidParameterException');
    expect(errorCode(() => filter(svc, { nextToken: 'garbage' }))).toBe('InvalidParameterException');
    expect(errorCode(() => filter(svc, { filterPattern: '{ $.event = }' }))).toBe('InvalidParameterException');
    expect(errorCode(() => filter(svc, { logStreamNames: ['a'], logStreamNamePrefix: 'a' }))).toBe('InvalidParameterException');
    expect(errorCode(() => filter(svc, { limit: 10_001 }))).toBe('InvalidParameterException');
    expect(errorCode(() => call(svc, 'FilterLogEvents', { logGroupName: '/nope' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => call(svc, 'FilterLogEvents', {}))).toBe('InvalidParameterException');
  });

  it('pages any data set with any page size into the full ordered result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ stream: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 20 }), hit: fc.boolean() }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 15 }),
        fc.boolean(),
        (items, limit, startFromHead) => {
          const svc = withGroup({}, ['a', 'b', 'c']);
          items.forEach((it, i) => svc.putEvents(GROUP, it.stream, [{ timestamp: NOW + it.t, message: `${it.hit ? 'HIT' : 'miss'} ${i}` }]));
          const paged = allPages(svc, { filterPattern: 'HIT', limit, startFromHead }).map((e) => e['message']);
          const expected = items
            .map((it, i) => ({ ...it, i }))
            .filter((it) => it.hit)
            .sort((x, y) => x.t - y.t || x.i - y.i)
            .map((it) => `HIT ${it.i}`);
          expect(paged).toEqual(startFromHead ? expected : expected.reverse());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Logs Insights queries', () => {
  function lab() {
    let t = 1_000_000;
    const clock = { advance: (ms: number) => void (t += ms) };
    const svc = withGroup({ queryClock: () => t, queryTiming: { scheduledMs: 100, runningMs: 200 } }, ['s1', 's2']);
    svc.putEvents(GROUP, 's1', [
      { timestamp: NOW - 3000, message: JSON.stringify({ event: 'route', session_id: 'A', agent: 'ProductSearchAgent', confidence: 0.55 }) },
      { timestamp: NOW - 2000, message: JSON.stringify({ event: 'route', session_id: 'A', agent: 'MangaQAAgent', confidence: 0.52 }) },
    ]);
    svc.putEvents(GROUP, 's2', [{ timestamp: NOW - 1000, message: JSON.stringify({ event: 'route', session_id: 'B', agent: 'MangaQAAgent', confidence: 0.91 }) }]);
    const start = (queryString: string, extra: Out = {}) =>
      call(svc, 'StartQuery', { logGroupName: GROUP, startTime: Math.floor(NOW / 1000) - 3600, endTime: Math.floor(NOW / 1000), queryString, ...extra });
    return { svc, clock, start };
  }

  it('moves Scheduled -> Running -> Complete and shows results only when complete', () => {
    const { svc, clock, start } = lab();
    const { queryId } = start('filter confidence < 0.7 | stats count(*) as n, count_distinct(agent) as agents by session_id') as { queryId: string };
    const results = () => call(svc, 'GetQueryResults', { queryId });
    expect(results()).toMatchObject({ status: 'Scheduled', results: [] });
    clock.advance(100);
    expect(results()).toMatchObject({ status: 'Running', results: [] });
    clock.advance(199);
    expect(results()['status']).toBe('Running');
    clock.advance(1);
    expect(results()).toEqual({
      queryLanguage: 'CWLI',
      status: 'Complete',
      results: [[{ field: 'session_id', value: 'A' }, { field: 'n', value: '2' }, { field: 'agents', value: '2' }]],
      statistics: { recordsMatched: 2, recordsScanned: 3, bytesScanned: expect.any(Number), logGroupsScanned: 1 },
    });
    const listed = call(svc, 'DescribeQueries', { logGroupName: GROUP, status: 'Complete' })['queries'] as Out[];
    expect(listed.map((q) => q['queryId'])).toEqual([queryId]);
  });

  it('cancels a running query, and reports that a finished one cannot be stopped', () => {
    const { svc, clock, start } = lab();
    const { queryId } = start('fields @message') as { queryId: string };
    clock.advance(150);
    expect(call(svc, 'StopQuery', { queryId })).toEqual({ success: true });
    clock.advance(1000);
    expect(call(svc, 'GetQueryResults', { queryId })).toMatchObject({ status: 'Cancelled', results: [] });
    const done = start('fields @message') as { queryId: string };
    clock.advance(300);
    expect(call(svc, 'StopQuery', { queryId: done.queryId })).toEqual({ success: false });
    expect(errorCode(() => call(svc, 'StopQuery', { queryId: 'nope' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => call(svc, 'GetQueryResults', { queryId: 'nope' }))).toBe('ResourceNotFoundException');
  });

  it('finishes within 40 ms with the default timing', () => {
    let t = 0;
    const svc = withGroup({ queryClock: () => t });
    const { queryId } = call(svc, 'StartQuery', { logGroupName: GROUP, startTime: 0, endTime: 1, queryString: 'fields @message' });
    t = 39;
    expect(call(svc, 'GetQueryResults', { queryId })['status']).toBe('Running');
    t = 40;
    expect(call(svc, 'GetQueryResults', { queryId })['status']).toBe('Complete');
  });

  it('lists events with @ptr that GetLogRecord resolves, within the inclusive second range', () => {
    const { svc, clock, start } = lab();
    const sec = Math.floor((NOW - 2000) / 1000);
    const { queryId } = start('fields @timestamp, agent', { startTime: sec, endTime: sec }) as { queryId: string };
    clock.advance(300);
    const rows = call(svc, 'GetQueryResults', { queryId })['results'] as { field: string; value: string }[][];
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? [];
    expect(row.map((f) => f.field)).toEqual(['@timestamp', 'agent', '@ptr']);
    const pointer = row.find((f) => f.field === '@ptr')?.value;
    expect(call(svc, 'GetLogRecord', { logRecordPointer: pointer })['logRecord']).toMatchObject({
      '@timestamp': String(NOW - 2000),
      '@logStream': 's1',
      '@log': `000000000000:${GROUP}`,
      agent: 'MangaQAAgent',
      confidence: '0.52',
    });
    expect(errorCode(() => call(svc, 'GetLogRecord', { logRecordPointer: 'bogus' }))).toBe('InvalidParameterException');
  });

  it('answers bad queries and parameters as AWS does', () => {
    const { svc, start } = lab();
    expect(errorCode(() => start('fields @message | frobnicate'))).toBe('MalformedQueryException');
    expect(errorCode(() => start('stats pct(x)'))).toBe('MalformedQueryException');
    expect(errorCode(() => start('fields @message', { logGroupName: '/nope' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => start('fields @message', { logGroupNames: [GROUP] }))).toBe('InvalidParameterException');
    expect(errorCode(() => start('fields @message', { startTime: 10, endTime: 5 }))).toBe('InvalidParameterException');
    expect(errorCode(() => start('fields @message', { limit: 10_001 }))).toBe('InvalidParameterException');
    expect(errorCode(() => start('fields @message', { queryLanguage: 'SQL' }))).toBe('InvalidParameterException');
    expect(errorCode(() => call(svc, 'StartQuery', { logGroupNames: [GROUP, '/nope'], startTime: 0, endTime: 1, queryString: 'fields a' }))).toBe('ResourceNotFoundException');
  });

  it('queries several groups at once, by name or ARN', () => {
    const { svc, clock } = lab();
    call(svc, 'CreateLogGroup', { logGroupName: '/other' });
    svc.putEvents('/other', 'x', [{ timestamp: NOW - 500, message: JSON.stringify({ event: 'route', session_id: 'Z' }) }]);
    const { queryId } = call(svc, 'StartQuery', {
      logGroupIdentifiers: [GROUP, 'arn:aws:logs:us-east-1:000000000000:log-group:/other'],
      startTime: Math.floor(NOW / 1000) - 60,
      endTime: Math.floor(NOW / 1000),
      queryString: 'stats count(*) as n by @log',
    });
    clock.advance(300);
    expect(call(svc, 'GetQueryResults', { queryId })['results']).toEqual([
      [{ field: '@log', value: `000000000000:${GROUP}` }, { field: 'n', value: '3' }],
      [{ field: '@log', value: '000000000000:/other' }, { field: 'n', value: '1' }],
    ]);
  });
});
