import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFilterPattern, FilterPatternSyntaxError, matchesFilterPattern } from '../../src/lab/emulator/logs/filter-pattern.js';

const route = JSON.stringify({
  event: 'route',
  level: 'INFO',
  session_id: 'sess-42',
  agent: 'ProductSearchAgent',
  confidence: 0.55,
  flags: { retried: true, cached: false, note: null },
  tags: ['manga', 'search'],
  calls: [{ tool: 'search_manga_catalog', latency_ms: 812 }],
});
const saveFailed = JSON.stringify({ event: 'session_save_failed', level: 'ERROR', error_type: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });

describe('filter patterns: terms', () => {
  const cases: [pattern: string, message: string, expected: boolean][] = [
    ['', 'anything at all', true],
    ['""', 'anything at all', true],
    ['ERROR', '[ERROR 400] BAD REQUEST', true],
    ['ERROR', '[error 400] bad request', false], // case-sensitive
    ['ERROR', '[INFO 200] OK', false],
    ['ERROR ARGUMENTS', '[ERROR] bad ARGUMENTS given', true],
    ['ERROR ARGUMENTS', '[ERROR] bad input', false],
    ['"BAD REQUEST"', '[ERROR 400] BAD REQUEST', true],
    ['"BAD REQUEST"', '[ERROR 400] BAD  REQUEST', false],
    ['"session_load_failed"', '{"event":"session_load_failed"}', true],
    ['?ERROR ?WARN', '[WARN] disk nearly full', true],
    ['?ERROR ?WARN', '[ERROR] disk full', true],
    ['?ERROR ?WARN', '[INFO] all good', false],
    ['ERROR -Exiting', '[ERROR] Exiting now', false],
    ['ERROR -Exiting', '[ERROR] retrying', true],
    ['-DEBUG', '[INFO] hello', true],
    ['-DEBUG', '[DEBUG] hello', false],
    ['ERROR -"Exiting now"', '[ERROR] Exiting later', true],
    ['?"timed out" ?TIMEOUT', 'tool call timed out after 800ms', true],
    ['"say \\"hi\\""', 'they say "hi" often', true],
    ['%AUTHORIZED%', '[ERROR 401] UNAUTHORIZED REQUEST', true],
    ['%^\\[ERROR%', '[ERROR 401] UNAUTHORIZED REQUEST', true],
    ['%^\\[ERROR%', 'x [ERROR 401]', false],
    ['%err[0-9]+%', 'saw err42 here', true],
    ['%err[0-9]+%', 'saw err here', false],
  ];
  it.each(cases)('%j against %j is %s', (pattern, message, expected) => {
    expect(matchesFilterPattern(pattern, message)).toBe(expected);
  });

  it('a quoted phrase taken from the message always matches, and excluding it never does', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), fc.nat(), (message, a, b) => {
        const start = a % message.length;
        const phrase = message.slice(start, start + 1 + (b % (message.length - start)));
        const quoted = `"${phrase.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
        expect(matchesFilterPattern(quoted, message)).toBe(true);
        expect(matchesFilterPattern(`-${quoted}`, message)).toBe(false);
      }),
    );
  });
});

describe('filter patterns: JSON', () => {
  const cases: [pattern: string, message: string, expected: boolean][] = [
    ['{ $.event = "route" }', route, true],
    ['{ $.event = "response" }', route, false],
    ['{$.event="route"}', route, true],
    ['{ $.event = route }', route, true],
    ['{ $.event != "route" }', route, false],
    ['{ $.event != "response" }', route, true],
    ['{ $.event = "ro*" }', route, true],
    ['{ $.event = "*ute" }', route, true],
    ['{ $.event = "r*x" }', route, false],
    ['{ $.event = "*" }', route, true],
    ['{ $.session_id = sess-* }', route, true],
    ['{ $.confidence < 0.7 }', route, true],
    ['{ $.confidence <= 0.55 }', route, true],
    ['{ $.confidence < 0.55 }', route, false],
    ['{ $.confidence > 0.5 && $.confidence >= 0.55 }', route, true],
    ['{ $.confidence = 0.55 }', route, true],
    ['{ $.confidence != 0.55 }', route, false],
    ['{ $.event = "route" && $.confidence < 0.7 }', route, true],
    ['{ $.event = "route" && $.confidence > 0.7 }', route, false],
    ['{ $.event = "response" || $.confidence < 0.7 }', route, true],
    ['{ $.event = "response" || $.confidence > 0.7 }', route, false],
    ['{ ($.event = "response" || $.event = "route") && $.agent = "ProductSearchAgent" }', route, true],
    ['{ $.event = "response" || ($.event = "route" && $.agent = "MangaQAAgent") }', route, false],
    // && binds tighter than ||
    ['{ $.event = "route" || $.event = "x" && $.agent = "nobody" }', route, true],
    ['{ $.flags.retried IS TRUE }', route, true],
    ['{ $.flags.retried IS FALSE }', route, false],
    ['{ $.flags.cached IS FALSE }', route, true],
    ['{ $.flags.note IS NULL }', route, true],
    ['{ $.flags.cached IS NULL }', route, false],
    ['{ $.flags.missing IS NULL }', route, false],
    ['{ $.flags.missing NOT EXISTS }', route, true],
    ['{ $.flags.note NOT EXISTS }', route, false],
    ['{ $.tags[0] = "manga" }', route, true],
    ['{ $.tags[1] = "manga" }', route, false],
    ['{ $.tags[5] NOT EXISTS }', route, true],
    ['{ $.calls[0].tool = "search_*" && $.calls[0].latency_ms > 800 }', route, true],
    ['{ $.calls[0].latency_ms > 812 }', route, false],
    ['{ $.missing = "x" }', route, false],
    ['{ $.missing != "x" }', route, false], // a comparison needs the field
    ['{ $.confidence = "0.55" }', route, false], // a string never equals a number
    ['{ $.event > 5 }', route, false], // numeric comparison on a string
    ['{ $.message = %maximum allowed%  }', saveFailed, true],
    ['{ $.message = %^Item size% && $.level = "ERROR" }', saveFailed, true],
    ['{ $.message != %exceeded% }', saveFailed, false],
    ['{ $.event = "route" }', 'event = route, but plain text', false],
    ['{ $.event = "route" }', '["route"]', false],
    ['{ $[0] = "route" }', '["route"]', true],
    ['{ $.level = "ERROR" }', '{"level": "ERROR"', false], // broken JSON never matches
    ['{ $.level is null }', '{"level": null}', true], // keywords are case-insensitive
  ];
  it.each(cases)('%s against the event is %s', (pattern, message, expected) => {
    expect(matchesFilterPattern(pattern, message)).toBe(expected);
  });

  it('parses the JSON of an event once, through the event', () => {
    let parses = 0;
    const matcher = compileFilterPattern('{ $.a = 1 || $.b = 2 || $.c = 3 }');
    const event = { message: '{"c":3}', json: () => (parses++, { c: 3 }) };
    expect(matcher(event)).toBe(true);
    expect(parses).toBe(1);
  });
});

describe('filter patterns: syntax errors', () => {
  it.each([
    '{ $.event = "route" ',
    '{ event = "route" }',
    '{ $. = "route" }',
    '{ $.event = }',
    '{ $.event "route" }',
    '{ $.event < "route" }',
    '{ $.a = 1 && }',
    '{ ($.a = 1 }',
    '{ $.a = 1 } trailing',
    '{ $.a[x] = 1 }',
    '{ $.a IS MAYBE }',
    '{ $.a NOT THERE }',
    '{ $.a ! 1 }',
    '{ $.a = %(grouped)% }',
    '"unterminated',
    '"a"b',
    '? ERROR',
    '%(x)%',
    '[ip, user, status = 404]',
  ])('%s is refused', (pattern) => {
    expect(() => compileFilterPattern(pattern)).toThrow(FilterPatternSyntaxError);
  });
});
