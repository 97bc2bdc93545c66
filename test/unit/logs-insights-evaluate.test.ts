import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runQuery, type RunOptions } from '../../src/lab/emulator/logs/insights/evaluate.js';
import { parseQuery } from '../../src/lab/emulator/logs/insights/parser.js';
import { LogStore } from '../../src/lab/emulator/logs/store.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const GROUP = '/manga-assist/orchestrator';

type Seed = [stream: string, offsetMs: number, message: string | Record<string, unknown>];

/** Builds a store holding `seeds` and returns a function running a query over all of it. */
function engine(seeds: Seed[]) {
  const store = new LogStore({ region: 'us-east-1', accountId: '123456789012' });
  const group = store.createGroup(GROUP, T0);
  for (const [streamName, offset, message] of seeds) {
    const stream = group.streams.get(streamName) ?? store.createStream(group, streamName, T0);
    store.append(stream, T0 + offset, typeof message === 'string' ? message : JSON.stringify(message), T0 + offset + 5);
  }
  const run = (query: string, options?: RunOptions) => {
    const slices = [...group.streams.values()].map((s) => {
      const [lo, hi] = s.range(0, Number.MAX_SAFE_INTEGER);
      return { events: s.ordered(), lo, hi };
    });
    return runQuery(parseQuery(query), slices, options);
  };
  const rows = (query: string, options?: RunOptions) =>
    run(query, options).results.map((r) => Object.fromEntries(r.filter((f) => f.field !== '@ptr').map((f) => [f.field, f.value])));
  return { run, rows };
}

const orchestrator: Seed[] = [
  ['orch-1', 0, { event: 'route', level: 'INFO', session_id: 'A', turn_id: 1, agent: 'ProductSearchAgent', confidence: 0.55 }],
  ['orch-1', 10_000, { event: 'route', level: 'INFO', session_id: 'A', turn_id: 1, agent: 'MangaQAAgent', confidence: 0.52 }],
  ['orch-1', 20_000, { event: 'route', level: 'INFO', session_id: 'A', turn_id: 1, agent: 'ProductSearchAgent', confidence: 0.58 }],
  ['orch-1', 30_000, { event: 'tool_call', level: 'WARN', session_id: 'A', tool: 'search_manga_catalog', status: 'timeout', latency_ms: 800 }],
  ['orch-1', 65_000, { event: 'tool_call', level: 'INFO', session_id: 'B', tool: 'search_manga_catalog', status: 'ok', latency_ms: 120 }],
  ['orch-1', 70_000, { event: 'tool_call', level: 'INFO', session_id: 'B', tool: 'get_price', status: 'ok', latency_ms: 40 }],
  ['orch-1', 125_000, { event: 'session_load_failed', level: 'ERROR', session_id: 'C', error_type: 'JSONDecodeError' }],
  ['orch-2', 5_000, { event: 'route', level: 'INFO', session_id: 'B', turn_id: 1, agent: 'MangaQAAgent', confidence: 0.91 }],
  ['orch-2', 66_000, { event: 'tool_call', level: 'INFO', session_id: 'D', tool: 'search_manga_catalog', status: 'ok', latency_ms: 300 }],
  ['orch-2', 126_000, 'plain text line: healthcheck ok'],
  ['orch-2', 127_000, { event: 'session_load_failed', level: 'ERROR', session_id: 'D', error_type: 'KeyError' }],
];

describe('Insights evaluation: event listings', () => {
  const { run, rows } = engine(orchestrator);

  it('lists newest first, renders @timestamp as Insights does, and adds @ptr', () => {
    const out = run('fields @timestamp, event | limit 3');
    expect(out.results).toHaveLength(3);
    expect(out.results[0]?.map((f) => f.field)).toEqual(['@timestamp', 'event', '@ptr']);
    expect(out.results.map((r) => r[0]?.value)).toEqual(['2024-05-01 12:02:07.000', '2024-05-01 12:02:06.000', '2024-05-01 12:02:05.000']);
    expect(out.results[1]?.map((f) => f.field)).toEqual(['@timestamp', '@ptr']); // plain text has no event field
  });

  it('shows every field, system and discovered, when the query names none', () => {
    const [first] = rows('filter session_id = "C"');
    expect(first).toEqual({
      '@timestamp': '2024-05-01 12:02:05.000',
      '@message': JSON.stringify(orchestrator[6]?.[2]),
      '@logStream': 'orch-1',
      '@log': `123456789012:${GROUP}`,
      event: 'session_load_failed',
      level: 'ERROR',
      session_id: 'C',
      error_type: 'JSONDecodeError',
    });
  });

  it('filters with numbers, strings, and, or, not, in, like and regexes', () => {
    expect(rows('filter event = "route" and confidence < 0.7 | fields confidence').map((r) => r['confidence'])).toEqual(['0.58', '0.52', '0.55']);
    expect(rows('filter confidence >= 0.9 or latency_ms > 500 | fields session_id').map((r) => r['session_id'])).toEqual(['A', 'B']);
    expect(rows('filter error_type in ["KeyError", "TypeError"] | fields session_id')).toEqual([{ session_id: 'D' }]);
    expect(rows('filter ispresent(error_type) and error_type not in ["KeyError"] | fields session_id')).toEqual([{ session_id: 'C' }]);
    expect(rows('filter @message like /(?i)HEALTHCHECK/ | fields @logStream')).toEqual([{ '@logStream': 'orch-2' }]);
    expect(rows('filter @message =~ /session_(load|save)_failed/')).toHaveLength(2);
    expect(rows('filter @message like "tool_call" and not status = "ok"')).toHaveLength(1);
    expect(rows('filter @message not like "{"')).toHaveLength(1);
    expect(rows('filter not ispresent(event)')).toHaveLength(1);
    expect(rows('filter missing_field != "x"')).toHaveLength(0); // absent fields compare false
    expect(rows('filter turn_id = "1"')).toHaveLength(4); // numbers and numeric strings compare as numbers
  });

  it('sorts by several keys, naturally, with limit', () => {
    expect(rows('filter event = "tool_call" | sort tool asc, latency_ms desc | fields tool, latency_ms')).toEqual([
      { tool: 'get_price', latency_ms: '40' },
      { tool: 'search_manga_catalog', latency_ms: '800' },
      { tool: 'search_manga_catalog', latency_ms: '300' },
      { tool: 'search_manga_catalog', latency_ms: '120' },
    ]);
    expect(rows('sort latency_ms desc | limit 2 | fields latency_ms')).toEqual([{ latency_ms: '800' }, { latency_ms: '300' }]);
    // Absent values go last in either direction.
    expect(rows('sort latency_ms asc | limit 5 | fields latency_ms').map((r) => r['latency_ms'])).toEqual(['40', '120', '300', '800', undefined]);
  });

  it('dedups on the default newest-first order, and never folds rows with nulls', () => {
    expect(rows('filter ispresent(session_id) | fields session_id, event | dedup session_id').map((r) => `${r['session_id']}:${r['event']}`)).toEqual([
      'D:session_load_failed',
      'C:session_load_failed',
      'B:tool_call',
      'A:tool_call',
    ]);
    expect(rows('fields session_id | sort @timestamp asc | dedup session_id').map((r) => r['session_id']).slice(0, 2)).toEqual(['A', 'B']);
    expect(rows('dedup agent')).toHaveLength(2 + 7);
  });

  it('computes fields and shows only what display names', () => {
    expect(rows('filter latency_ms > 500 | fields latency_ms / 1000 as seconds, concat(tool, ":", status) as call, strlen(session_id) as n')).toEqual([
      { seconds: '0.8', call: 'search_manga_catalog:timeout', n: '1' },
    ]);
    expect(rows('filter latency_ms > 500 | fields tool, status | display status')).toEqual([{ status: 'timeout' }]);
    expect(rows('filter latency_ms > 500 | fields datefloor(@timestamp, 1m) as minute | display minute')).toEqual([{ minute: '2024-05-01 12:00:00.000' }]);
  });

  it('counts scanned and matched records and scanned bytes', () => {
    const out = run('filter event = "route"');
    const bytes = orchestrator.reduce((n, [, , m]) => n + Buffer.byteLength(typeof m === 'string' ? m : JSON.stringify(m)), 0);
    expect(out.statistics).toEqual({ recordsMatched: 4, recordsScanned: 11, bytesScanned: bytes });
  });
});

describe('Insights evaluation: stats', () => {
  const { run, rows } = engine(orchestrator);

  it('groups by several fields, ordered by the group keys', () => {
    expect(rows('filter event = "tool_call" | stats count(*) as calls, avg(latency_ms) as avg_ms, max(latency_ms) by tool, status')).toEqual([
      { tool: 'get_price', status: 'ok', calls: '1', avg_ms: '40', 'max(latency_ms)': '40' },
      { tool: 'search_manga_catalog', status: 'ok', calls: '2', avg_ms: '210', 'max(latency_ms)': '300' },
      { tool: 'search_manga_catalog', status: 'timeout', calls: '1', avg_ms: '800', 'max(latency_ms)': '800' },
    ]);
  });

  it('finds a routing loop: route count per session turn, filtered after stats', () => {
    expect(rows('filter event = "route" and confidence < 0.7 | stats count(*) as routes, count_distinct(agent) as agents by session_id, turn_id | filter routes > 2')).toEqual([
      { session_id: 'A', turn_id: '1', routes: '3', agents: '2' },
    ]);
  });

  it('counts rows, present values and distinct values', () => {
    expect(rows('stats count(*) as all, count(agent) as with_agent, count_distinct(agent) as agents, count() as also_all')).toEqual([
      { all: '11', with_agent: '4', agents: '2', also_all: '11' },
    ]);
  });

  it('bins by time, oldest bin first', () => {
    expect(rows('stats count(*) as n by bin(1m)')).toEqual([
      { 'bin(1m)': '2024-05-01 12:00:00.000', n: '5' },
      { 'bin(1m)': '2024-05-01 12:01:00.000', n: '3' },
      { 'bin(1m)': '2024-05-01 12:02:00.000', n: '3' },
    ]);
    expect(rows('stats count(*) as n by bin(30s) as half').map((r) => `${r['half']?.slice(14)}=${r['n']}`)).toEqual([
      '00:00.000=4',
      '00:30.000=1',
      '01:00.000=3',
      '02:00.000=3',
    ]);
  });

  it('takes earliest and latest by @timestamp, and min/max keep timestamps', () => {
    expect(rows('filter event = "route" | stats earliest(confidence) as first, latest(confidence) as last, max(@timestamp) as at by session_id')).toEqual([
      { session_id: 'A', first: '0.55', last: '0.58', at: '2024-05-01 12:00:20.000' },
      { session_id: 'B', first: '0.91', last: '0.91', at: '2024-05-01 12:00:05.000' },
    ]);
  });

  it('sorts and limits aggregated rows, by alias or by the aggregate text', () => {
    expect(rows('stats count(*) as n by session_id | sort n desc | limit 2')).toEqual([
      { session_id: 'A', n: '4' },
      { session_id: 'B', n: '3' },
    ]);
    expect(rows('filter ispresent(session_id) | stats count(*) by session_id | sort count(*) asc | limit 1')).toEqual([{ session_id: 'C', 'count(*)': '1' }]);
  });

  it('returns no rows when nothing matched', () => {
    const out = run('filter event = "nothing" | stats count(*)');
    expect(out.results).toEqual([]);
    expect(out.statistics.recordsMatched).toBe(0);
  });

  it('leaves a numeric aggregate out when its group has no numbers', () => {
    expect(rows('filter event = "route" | stats sum(latency_ms) as total, count(*) as n')).toEqual([{ n: '4' }]);
  });
});

describe('Insights evaluation: percentiles, limits and larger sets', () => {
  const values: Seed[] = Array.from({ length: 100 }, (_, i): Seed => ['s', i * 1000, { latency_ms: 100 - i, kind: i % 2 === 0 ? 'even' : 'odd' }]);
  const { run, rows } = engine(values);

  it('uses nearest-rank percentiles', () => {
    expect(rows('stats pct(latency_ms, 50) as p50, pct(latency_ms, 95) as p95, percentile(latency_ms, 99.5) as p995, pct(latency_ms, 0) as p0, pct(latency_ms, 33.3) as p333')).toEqual([
      { p50: '50', p95: '95', p995: '100', p0: '1', p333: '34' },
    ]);
    // Four values: the 60th percentile is the 3rd smallest (ceil(2.4)), not the 2nd.
    const four = engine([40, 800, 120, 300].map((latency_ms, i): Seed => ['s', i, { latency_ms }]));
    expect(four.rows('stats pct(latency_ms, 60) as p60, pct(latency_ms, 25) as p25, pct(latency_ms, 100) as p100')).toEqual([{ p60: '300', p25: '40', p100: '800' }]);
    // even i: 100, 98, ..., 2; odd i: 99, 97, ..., 1 (25th of 50 values)
    expect(rows('stats pct(latency_ms, 50) as p50 by kind')).toEqual([
      { kind: 'even', p50: '50' },
      { kind: 'odd', p50: '49' },
    ]);
  });

  it('returns 1000 events by default and honours limit and the API limit', () => {
    const big = engine(Array.from({ length: 1500 }, (_, i): Seed => ['s', i, { i }]));
    expect(big.run('fields i').results).toHaveLength(1000);
    expect(big.run('fields i').statistics.recordsMatched).toBe(1500);
    expect(big.run('fields i | limit 1200').results).toHaveLength(1200);
    expect(big.run('fields i', { limit: 1300 }).results).toHaveLength(1300);
    expect(big.run('fields i | limit 1200', { limit: 10 }).results).toHaveLength(10);
    expect(big.rows('fields i | limit 2')).toEqual([{ i: '1499' }, { i: '1498' }]);
  });

  it('agrees with a direct computation for random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ group: fc.constantFrom('x', 'y', 'z'), n: fc.integer({ min: -1000, max: 1000 }) }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (items, k) => {
          const e = engine(items.map((item, i): Seed => ['s', i, item]));
          const expected = ['x', 'y', 'z']
            .map((g) => items.filter((it) => it.group === g))
            .filter((list) => list.length > 0)
            .map((list) => ({ group: list[0]?.group, total: String(list.reduce((s, it) => s + it.n, 0)), n: String(list.length) }));
          expect(e.rows('stats sum(n) as total, count(*) as n by group')).toEqual(expected);
          const top = [...items.map((it) => it.n)].sort((a, b) => b - a).slice(0, k).map(String);
          expect(e.rows(`sort n desc | limit ${k} | fields n`).map((r) => r['n'])).toEqual(top);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('discovers nested JSON fields as dot paths and arrays by index', () => {
    const nested = engine([['s', 0, { meta: { region: 'ap-northeast-1', retry: { count: 2 } }, tool_calls: [{ name: 'search' }, { name: 'price' }], none: null }]]);
    expect(nested.rows('fields meta.region, meta.retry.count, tool_calls.1.name, none')).toEqual([
      { 'meta.region': 'ap-northeast-1', 'meta.retry.count': '2', 'tool_calls.1.name': 'price' },
    ]);
    expect(nested.rows('filter meta.retry.count > 1 | stats count(*) as n')).toEqual([{ n: '1' }]);
  });

  it('orders sort values naturally: text before numbers, digit runs by length', () => {
    const mixed = engine(['b10', 'b9', 'a', '10', '9', 'B'].map((v, i): Seed => ['s', i, { v }]));
    expect(mixed.rows('sort v asc | fields v').map((r) => r['v'])).toEqual(['B', 'a', 'b9', 'b10', '9', '10']);
    expect(mixed.rows('sort v desc | fields v').map((r) => r['v'])).toEqual(['10', '9', 'b10', 'b9', 'a', 'B']);
  });

  it('is the same query result whichever case the commands are written in', () => {
    expect(run('FILTER kind = "odd" | STATS COUNT(*) AS n').results).toEqual(run('filter kind = "odd" | stats count(*) as n').results);
  });
});
