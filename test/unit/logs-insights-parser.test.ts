import { describe, expect, it } from 'vitest';
import { MalformedQueryError } from '../../src/lab/emulator/logs/insights/ast.js';
import { tokenize } from '../../src/lab/emulator/logs/insights/lexer.js';
import { parseQuery } from '../../src/lab/emulator/logs/insights/parser.js';

describe('Insights lexer', () => {
  it('tells a regex from a division by what precedes the slash', () => {
    const kinds = tokenize('filter a / 2 > 1 and @message like /x\\/y/').map((t) => (t.kind === 'op' ? t.text : t.kind));
    expect(kinds).toEqual(['ident', 'ident', '/', 'number', '>', 'number', 'ident', 'ident', 'ident', 'regex', 'eof']);
    const regex = tokenize('filter @message like /x\\/y/').find((t) => t.kind === 'regex');
    expect(regex).toMatchObject({ source: 'x/y' });
  });

  it('reads periods, backquoted names, both quote styles and comments', () => {
    const tokens = tokenize("stats count(*) by bin(30s) # per half minute\n| filter `odd-name` = 'x'");
    expect(tokens.find((t) => t.kind === 'duration')).toMatchObject({ amount: 30, unit: 's' });
    expect(tokens.find((t) => t.kind === 'ident' && t.quoted)).toMatchObject({ text: 'odd-name' });
    expect(tokens.find((t) => t.kind === 'string')).toMatchObject({ value: 'x' });
    expect(tokens.some((t) => t.kind === 'ident' && t.text === 'per')).toBe(false);
  });
});

describe('Insights parser: accepted queries', () => {
  it.each([
    'fields @timestamp, @message',
    'fields @timestamp, @message | sort @timestamp desc | limit 20',
    'filter event = "route" and confidence < 0.7',
    'filter event = "route" | stats count(*) as routes, count_distinct(agent) as agents by session_id, turn_id | filter routes > 3',
    'filter @message like /(?i)timeout/ | stats count(*) by bin(1m)',
    'filter @message =~ /session_(load|save)_failed/',
    'filter tool in ["search_manga_catalog", "get_price"] and status not in ["ok"]',
    'filter not ispresent(agent) or isempty(agent)',
    'filter @message not like "healthcheck"',
    'stats avg(latency_ms), max(latency_ms), min(latency_ms), sum(latency_ms), pct(latency_ms, 99), percentile(latency_ms, 50.5) by tool',
    'stats earliest(agent) as first_agent, latest(agent) as last_agent by session_id',
    'stats count() by bin(5min)',
    'fields strlen(@message) as len, concat(agent, "/", tool) as who, latency_ms / 1000 as seconds, -confidence as neg, 2 ^ 3 as eight',
    'fields fromMillis(received_at) as received | display received, @timestamp',
    'fields datefloor(@timestamp, 1h) as hour | stats count(*) by hour',
    'sort latency_ms desc, @timestamp asc',
    'stats count(*) as n by agent | sort n desc | limit 5',
    'stats count(*) by agent | sort count(*) desc',
    'fields @timestamp, server | sort @timestamp desc | dedup server',
    'dedup session_id | limit 10',
    'FIELDS @timestamp | FILTER level = "ERROR" AND event LIKE "session" | SORT @timestamp DESC | LIMIT 3',
    'filter (a = 1 or b = 2) and not (c = 3)',
    'filter `error-type` = "KeyError"',
    'filter nested.field.path >= 10 | fields nested.field.path',
    'limit 10000',
  ])('%s', (query) => {
    expect(() => parseQuery(query)).not.toThrow();
  });

  it('names columns by alias, field, or the text as written', () => {
    const q = parseQuery('fields agent, strlen(@message), confidence * 100 as pct_conf | stats COUNT(*), avg(confidence) as avg_conf by agent, bin(5m)');
    const [fields, stats] = q.commands;
    expect(fields).toMatchObject({ kind: 'fields', items: [{ name: 'agent' }, { name: 'strlen(@message)' }, { name: 'pct_conf' }] });
    expect(stats).toMatchObject({
      kind: 'stats',
      aggregations: [{ fn: 'count', name: 'COUNT(*)' }, { fn: 'avg', name: 'avg_conf' }],
      groupBy: [{ name: 'agent' }, { name: 'bin(5m)', expr: { kind: 'call', name: 'bin', args: [{ kind: 'duration', ms: 300_000 }] } }],
    });
  });

  it('binds and tighter than or, and comparison tighter than and', () => {
    const [filter] = parseQuery('filter a = 1 or b = 2 and c = 3').commands;
    expect(filter).toMatchObject({
      predicate: { kind: 'binary', op: 'or', left: { op: '=' }, right: { kind: 'binary', op: 'and', left: { op: '=' }, right: { op: '=' } } },
    });
  });

  it('keeps field names case-sensitive while commands and functions are not', () => {
    const [filter] = parseQuery('FILTER IsPresent(Agent)').commands;
    expect(filter).toMatchObject({ predicate: { kind: 'call', name: 'ispresent', args: [{ kind: 'field', name: 'Agent' }] } });
  });

  it('reads (?i) as a case-insensitive regex', () => {
    const [filter] = parseQuery('filter @message like /(?i)ERROR/').commands;
    const pattern = (filter as { predicate: { pattern: { re: RegExp } } }).predicate.pattern.re;
    expect(pattern.flags).toContain('i');
    expect(pattern.test('an error')).toBe(true);
  });
});

describe('Insights parser: MalformedQueryException', () => {
  it.each([
    '',
    '   ',
    'fields',
    'fields @timestamp,',
    'filter',
    'filter a =',
    'filter (a = 1',
    'filter a = 1)',
    'stats',
    'stats agent',
    'stats count(*) by',
    'stats nosuchagg(x)',
    'stats strlen(x)',
    'stats pct(latency_ms)',
    'stats pct(latency_ms, 101)',
    'stats pct(latency_ms, x)',
    'stats sum(*)',
    'stats count(a, b)',
    'filter count(*) > 1',
    'fields nosuchfn(x)',
    'fields strlen()',
    'stats count(*) by bin(5)',
    'stats count(*) by bin(5 m)',
    'stats count(*) by bin(1mo)',
    'sort',
    'limit',
    'limit 0',
    'limit 10001',
    'limit 2.5',
    'limit ten',
    'dedup session_id | sort @timestamp desc',
    'fields a | | limit 1',
    'fields a |',
    'parse @message "* *" as a, b',
    'unnest list into item',
    'filter @message like 5',
    'filter x in "a"',
    'filter x in [a]',
    'filter @message like /[unclosed/',
    'filter @message like /unterminated',
    'filter "unterminated',
    'fields `unterminated',
    'fields a ; b',
    'filter a ! b',
  ])('%j', (query) => {
    let error: unknown;
    try {
      parseQuery(query);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MalformedQueryError);
    expect((error as MalformedQueryError).code).toBe('MalformedQueryException');
    expect((error as Error).message).toMatch(/at line \d+ and position \d+$/);
  });

  it('points at the offending symbol', () => {
    expect(() => parseQuery('fields a\n| frobnicate b')).toThrow('unexpected symbol found frobnicate at line 2 and position 3');
  });
});
