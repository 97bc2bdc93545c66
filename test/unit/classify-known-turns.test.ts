/**
 * The classification's shortcut (src/core/sessions/classify.ts): an entry of the turns list
 * byte-for-byte equal to the backup's element at its index is a known turn and is not parsed
 * again. These properties keep the shortcut exact: the element scan finds what JSON.parse
 * finds, and the verdicts with the shortcut are the verdicts without it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeEntries, jsonArrayElements, knownTurnsOf } from '../../src/core/sessions/classify.js';

/** JSON text of a value with arbitrary JSON whitespace between tokens. */
function withSpaces(value: unknown, space: () => string): string {
  if (Array.isArray(value)) return `[${space()}${value.map((v) => withSpaces(v, space)).join(`${space()},${space()}`)}${space()}]`;
  if (value !== null && typeof value === 'object') {
    return `{${space()}${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${space()}:${space()}${withSpaces(v, space)}`).join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

const spaces = fc.array(fc.constantFrom(' ', '\n', '\t', '\r'), { maxLength: 2 }).map((a) => a.join(''));
// Strings full of what a naive scan would trip on: quotes, backslashes, brackets, commas.
const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', 'a', 'ワ', '😀', '\n', ' '), maxLength: 12 });
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(tricky, tie('value'), { maxKeys: 3 }),
})).value;

describe('jsonArrayElements', () => {
  it('finds the bytes of each element of any JSON array, whatever the whitespace', () => {
    fc.assert(
      fc.property(fc.array(json, { maxLength: 6 }), fc.array(spaces, { minLength: 64, maxLength: 64 }), (array, pool) => {
        let n = 0;
        const text = withSpaces(array, () => pool[n++ % pool.length]!);
        const elements = jsonArrayElements(Buffer.from(` ${text}\n`, 'utf8'));
        expect(elements.map((e) => JSON.parse(e.toString('utf8')))).toEqual(JSON.parse(text));
        for (const e of elements) expect(e.toString('utf8')).toBe(e.toString('utf8').trim());
      }),
    );
  });
});

const turnText = fc.record({ role: fc.constantFrom('user', 'assistant'), content: tricky, ts: fc.nat() }).map((t) => JSON.stringify(t));

describe('entries known from the backup', () => {
  it('get the verdicts a parse of every entry gives', () => {
    fc.assert(
      fc.property(
        fc.array(turnText, { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom('same', 'spaced', 'truncated', 'other', 'garbage'), { maxLength: 8 }),
        spaces,
        (backupTurns, shapes, space) => {
          const backup = Buffer.from(`[${backupTurns.join(`,${space}`)}]`, 'utf8');
          const entries = shapes.map((shape, i) => {
            const own = backupTurns[i % backupTurns.length]!;
            if (shape === 'same') return Buffer.from(own, 'utf8');
            if (shape === 'spaced') return Buffer.from(` ${own}`, 'utf8');
            if (shape === 'truncated') return Buffer.from(own.slice(0, Math.floor(own.length / 2)), 'utf8');
            if (shape === 'other') return Buffer.from(JSON.stringify({ role: 'tool', content: own, ts: i }), 'utf8');
            return Buffer.from([0xff, 0x7b, i]);
          });
          const known = knownTurnsOf('string', backup);
          expect(known?.turns.length).toBe(backupTurns.length);
          // Fresh arrays each time: the verdicts are cached by list.
          const shortcut = analyzeEntries([...entries], known!);
          const parsed = analyzeEntries([...entries]);
          expect(shortcut).toEqual(parsed);
        },
      ),
    );
  });

  it('an unhealthy backup knows nothing', () => {
    expect(knownTurnsOf('string', Buffer.from('[{"role":"user","content":"a","ts":1},42]'))).toBeNull();
    expect(knownTurnsOf('string', Buffer.from('[{"role":"user"'))).toBeNull();
    expect(knownTurnsOf('none', null)).toBeNull();
  });
});
