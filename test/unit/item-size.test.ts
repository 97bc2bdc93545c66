import { createRequire } from 'node:module';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeMapSizeBytes,
  itemSizeBytes,
  ITEM_SIZE_HEADROOM_BYTES,
  MAX_ITEM_BYTES,
  numberSizeBytes,
  SAFE_ITEM_BYTES,
} from '../../src/core/size/item-size.js';
import { CoreError } from '../../src/core/errors.js';
import { jsonStringifyBytes, pythonJsonDumpsBytes, ratingRowsSession } from './item-size-fixtures.js';

// dynalite's own size function (the one its PutItem validation uses), on wire-form items.
const require = createRequire(import.meta.url);
const dynaliteDb = require('dynalite/db/index.js') as { itemSize(item: Record<string, unknown>): number };

/** The JSON wire form dynalite receives: binary as base64 text. */
function toWire(av: AttributeValue): unknown {
  if (av.B !== undefined) return { B: Buffer.from(av.B).toString('base64') };
  if (av.BS !== undefined) return { BS: av.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (av.L !== undefined) return { L: av.L.map(toWire) };
  if (av.M !== undefined) return { M: wireItem(av.M) };
  return av;
}
function wireItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toWire(v)]));
}

const ascii = fc.string({ unit: 'binary-ascii', maxLength: 40 });
// `__proto__` and `constructor` are left out: lib-dynamodb's marshall assigns keys onto plain
// objects (where `__proto__` sets the prototype) and tells maps from class instances by
// `.constructor`, so those names are lost or misread before dynalite ever sees them.
const name = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 }).filter((n) => n !== '__proto__' && n !== 'constructor');
// Decimal texts with leading/trailing zeros and exponents, to exercise the digit-pair rule.
const decimalText = fc
  .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^\d{1,12}$/), fc.stringMatching(/^\d{0,12}$/), fc.integer({ min: -40, max: 40 }))
  .filter(([, i, f]) => /[1-9]/.test(i + f))
  .map(([s, i, f, e]) => `${s}${i}${f ? `.${f}` : ''}${e ? `e${e}` : ''}`);
const scalar = fc.oneof(
  ascii,
  fc.maxSafeInteger(),
  // DynamoDB numbers stop at magnitude 1e-130: smaller doubles (down to 5e-324) are rejected by
  // the service, so they are no test of the size rule.
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }).filter((d) => !Object.is(d, -0) && (d === 0 || Math.abs(d) >= 1e-130)),
  decimalText.map((t) => new NumberValue(t)),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 24 }),
  fc.uniqueArray(ascii, { minLength: 1, maxLength: 5 }).map((a) => new Set(a)),
  fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 5 }).map((a) => new Set(a)),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 6 }),
  map: fc.dictionary(name, tie('value'), { maxKeys: 6 }),
}));
const item = fc.dictionary(name, value, { minKeys: 1, maxKeys: 8 });

describe('itemSizeBytes agrees with dynalite on ASCII items', () => {
  it('plain values, as lib-dynamodb marshalls them, and their AttributeValue form', () => {
    fc.assert(
      fc.property(item, (it) => {
        const av = marshall(it, { allowImpreciseNumbers: true });
        const theirs = dynaliteDb.itemSize(wireItem(av));
        expect(itemSizeBytes(it)).toBe(theirs);
        expect(attributeMapSizeBytes(av)).toBe(theirs);
      }),
      { numRuns: 400 },
    );
  });

  it('numbers by the base-100 digit-pair rule, on texts with zeros and exponents', () => {
    fc.assert(
      fc.property(decimalText, (t) => {
        expect(numberSizeBytes(t)).toBe(dynaliteDb.itemSize({ n: { N: t } }) - 1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('itemSizeBytes on hand-computed items', () => {
  it('counts UTF-8 bytes: 3 per Japanese character, 4 per emoji, in names too', () => {
    expect(itemSizeBytes({ content: 'ワンピース' })).toBe(7 + 5 * 3);
    expect(itemSizeBytes({ content: 'ワンピース📚' })).toBe(7 + 5 * 3 + 4);
    expect(itemSizeBytes({ 題名: 'x' })).toBe(6 + 1);
    // UTF-16 units, what dynalite counts, differ: 7 units for 19 bytes of text.
    expect('ワンピース📚'.length).toBe(7);
    expect(dynaliteDb.itemSize({ content: { S: 'ワンピース📚' } })).toBe(7 + 7);
  });

  it('pays 3 bytes per list or map plus 1 per element, map keys included', () => {
    // turn: 4 + map(3 + [1 + 4 + 4] + [1 + 7 + 12])
    expect(itemSizeBytes({ turn: { role: 'user', content: '呪術廻戦' } })).toBe(4 + 3 + 9 + 20);
    // l: 1 + list(3 + [1+2] + [1+1] + [1+1] + [1+1])
    expect(itemSizeBytes({ l: [1, 'a', null, true] })).toBe(1 + 3 + 3 + 2 + 2 + 2);
    expect(itemSizeBytes({ l: [], m: {} })).toBe(1 + 3 + 1 + 3);
    expect(itemSizeBytes({ m: new Map([['k', 'v']]) })).toBe(1 + 3 + 1 + 1 + 1);
  });

  it('numbers: digit pairs aligned on the decimal point, an exponent byte, a sign byte', () => {
    const cases: [string, number][] = [
      ['0', 1], ['7', 2], ['-7', 3], ['12', 2], ['1.2', 3], ['123', 3], ['100', 2],
      ['0.05', 2], ['99.99', 3], ['1e21', 2], ['1700000000000', 3], ['-0.0012', 3],
    ];
    for (const [text, size] of cases) expect([text, numberSizeBytes(text)]).toEqual([text, size]);
  });

  it('binary costs raw bytes, sets the sum of members, undefined attributes nothing', () => {
    expect(itemSizeBytes({ b: new Uint8Array(10) })).toBe(1 + 10);
    expect(itemSizeBytes({ s: new Set(['ab', 'c']) })).toBe(1 + 3);
    expect(itemSizeBytes({ a: 'x', gone: undefined })).toBe(2);
  });

  it('rejects what DynamoDB cannot store, with a typed error', () => {
    expect(() => itemSizeBytes({ n: Number.NaN })).toThrow(CoreError);
    expect(() => numberSizeBytes('12abc')).toThrow(CoreError);
  });

  it('names the limit and the headroom in DynamoDB KB (1024 bytes)', () => {
    expect(MAX_ITEM_BYTES).toBe(409_600);
    expect(SAFE_ITEM_BYTES).toBe(MAX_ITEM_BYTES - ITEM_SIZE_HEADROOM_BYTES);
  });
});

describe("the seed's JSON-length estimate against DynamoDB's rules", () => {
  it('under-counts one-column result rows: both JSON estimates say it fits, DynamoDB size is over 400 KB', () => {
    const session = ratingRowsSession({ turns: 160, rowsPerToolCall: 700 });
    const withoutRows = ratingRowsSession({ turns: 160, rowsPerToolCall: 0, keepRowsAttribute: false });
    // Each row [d] costs 1 (element) + 3 (list) + 1 (element) + 2 (one-digit number) = 7
    // bytes in DynamoDB, but "[d], " is 5 bytes in Python's JSON and "[d]," 4 in JSON.stringify.
    const rowsAttribute = 1 + 'rating_rows'.length + 3 + 7 * 700;
    expect(itemSizeBytes(session) - itemSizeBytes(withoutRows)).toBe(80 * rowsAttribute);
    expect(itemSizeBytes(session)).toBe(414_320);
    expect(pythonJsonDumpsBytes(session)).toBe(308_041);
    expect(jsonStringifyBytes(session)).toBe(250_355);
    // The seed compared its estimate with 380_000: it would put this item and fail.
    expect(pythonJsonDumpsBytes(session)).toBeLessThan(380_000);
    expect(itemSizeBytes(session)).toBeGreaterThan(MAX_ITEM_BYTES);
  });

  it('over-counts Japanese (6 bytes per character escaped against 3 stored): the seed compacts sessions that fit', () => {
    const text = '呪術廻戦の最新刊は在庫がありますか'; // 17 characters
    const session = { session_id: 's', turns: Array.from({ length: 4000 }, () => ({ role: 'user', content: text })) };
    const stored = itemSizeBytes(session);
    expect(stored).toBe(10 + 1 + 5 + 3 + 4000 * (1 + 3 + (1 + 4 + 4) + (1 + 7 + 17 * 3)));
    expect(stored).toBeLessThan(SAFE_ITEM_BYTES);
    expect(pythonJsonDumpsBytes(session)).toBeGreaterThan(380_000);
  });
});
