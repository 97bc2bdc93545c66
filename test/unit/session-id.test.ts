import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.js';
import { isValidSessionId, parseSessionId, SESSION_ID_PATTERN } from '../../src/core/session-id.js';

function rejection(raw: unknown): CoreError {
  try {
    parseSessionId(raw);
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

describe('parseSessionId', () => {
  const rejected: Array<[string, unknown]> = [
    ['a glob star', '*'],
    ['a trailing glob star', 'a*'],
    ['a hash tag (changes the cluster slot)', '{x}'],
    ['a space', 'a b'],
    ['a newline', 'a\n'],
    ['200 characters', 'a'.repeat(200)],
    ['129 characters (one over)', 'a'.repeat(129)],
    ['the empty string', ''],
    ['a glob question mark', '?'],
    ['a glob character class', '[a]'],
    ['a leading dash', '-a'],
    ['a leading colon', ':a'],
    ['a NUL', 'a\u0000b'],
    ['a tab', 'a\tb'],
    ['non-ASCII letters', 'セッション'],
    ['a backslash', 'a\\*'],
    ['a number, not a string', 42],
    ['undefined', undefined],
  ];
  for (const [what, raw] of rejected) {
    it(`rejects ${what} with INVALID_SESSION_ID`, () => {
      const err = rejection(raw);
      expect(err.code).toBe('INVALID_SESSION_ID');
      expect(err.suggestion).toBeTruthy();
      expect(isValidSessionId(raw)).toBe(false);
    });
  }

  it('keeps the message short and quoted for an over-long or control-character id', () => {
    expect(rejection('a'.repeat(200)).message.length).toBeLessThan(200);
    expect(rejection('a\n').message).toContain('"a\\n"');
  });

  it('accepts the contract\'s alphabet, 1 to 128 characters, and returns the same string', () => {
    for (const raw of ['a', '0', 'sess-001', 'user_42.web:tab-3', 'A'.repeat(128), 'a:b:c']) {
      expect(parseSessionId(raw)).toBe(raw);
    }
  });

  it('property: every string of the contract\'s alphabet is accepted unchanged', () => {
    const head = fc.constantFrom(...'abcXYZ019');
    const tail = fc.array(fc.constantFrom(...'azAZ09._:-'), { maxLength: 127 }).map((c) => c.join(''));
    fc.assert(fc.property(head, tail, (h, t) => parseSessionId(h + t) === h + t));
  });

  it('property: any string holding a glob, brace, whitespace or control character is rejected', () => {
    const bad = fc.constantFrom('*', '?', '[', ']', '{', '}', ' ', '\n', '\r', '\t', '\u0000', '\u007f', '\\');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), bad, fc.string({ maxLength: 20 }), (a, c, b) => {
        const raw = `x${a}${c}${b}`;
        expect(SESSION_ID_PATTERN.test(raw)).toBe(false);
        return rejection(raw).code === 'INVALID_SESSION_ID';
      }),
    );
  });
});
