/**
 * The scanner's fast turn test must never accept what the core's turn schema rejects (it may
 * reject more: such sessions go to the core's classification, which has the last word).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTurnEntry, turnSchema } from '../../src/core/turn.js';
import { isPlainTurn, textIsPlainTurn } from '../../src/core/turn.js';

const turnLike = fc.record(
  {
    role: fc.oneof(fc.constantFrom('user', 'assistant', 'tool', 'robot', ''), fc.integer(), fc.constant(null)),
    content: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    ts: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
    agent_name: fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.boolean()),
    tool_calls: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 2 }), fc.constant(null), fc.string(), fc.dictionary(fc.string(), fc.integer())),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('isPlainTurn', () => {
  it('accepts nothing the core rejects, and agrees with it on well-formed and near-miss turns', () => {
    fc.assert(
      fc.property(fc.oneof(turnLike, fc.jsonValue()), (value) => {
        const core = turnSchema.safeParse(value).success;
        const fast = isPlainTurn(value);
        if (fast) expect(core).toBe(true);
        // On JSON-shaped values (what JSON.parse gives) the two agree exactly.
        expect(fast).toBe(core);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads stored bytes (as ioredis decodes them) no looser than the core: not UTF-8, truncated, infinite ts', () => {
    const entries = [
      Buffer.from('{"role":"user","content":"ワンピース","ts":1}'),
      Buffer.from('{"role":"user","content":"x","ts":1e999}'),
      Buffer.from('{"role":"assistant","content":"ナルト'),
      Buffer.from([0xff, 0xfe, 0x7b]),
      Buffer.from('{"role":"tool","content":"","ts":0,"agent_name":null,"tool_calls":null,"new_field":[1]}'),
      Buffer.from('[]'),
    ];
    for (const e of entries) expect(textIsPlainTurn(e.toString('utf8'))).toBe(checkTurnEntry(e).ok);
    // Invalid bytes inside a string decode to U+FFFD and still parse: the fast test must refuse.
    const hidden = Buffer.concat([Buffer.from('{"role":"user","content":"'), Buffer.from([0xff]), Buffer.from('","ts":1}')]);
    expect(checkTurnEntry(hidden).ok).toBe(false);
    expect(textIsPlainTurn(hidden.toString('utf8'))).toBe(false);
  });

  it('never accepts bytes the core rejects (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.string(), (bytes, content) => {
        for (const entry of [Buffer.from(bytes), Buffer.from(JSON.stringify({ role: 'user', content, ts: 1 })), Buffer.concat([Buffer.from('{"role":"user","content":"'), Buffer.from(bytes), Buffer.from('","ts":1}')])]) {
          if (textIsPlainTurn(entry.toString('utf8'))) expect(checkTurnEntry(entry).ok).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkTurnEntry on text that is not JSON', () => {
  it('says invalid_json exactly when JSON.parse throws, with its message, whether or not it parsed the text', () => {
    const jsonish = fc.oneof(
      fc.json().chain((text) => fc.nat({ max: text.length }).map((n) => text.slice(0, n))),
      fc.json().map((text) => `${text}  \n`),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', 'e', 'l', '1', ' ', '\n', 'x', 'ワ'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let message: string | undefined;
        try {
          JSON.parse(text);
        } catch (err) {
          message = (err as Error).message;
        }
        for (const raw of [text, Buffer.from(text, 'utf8')]) {
          const check = checkTurnEntry(raw);
          if (message !== undefined) expect(check).toEqual({ ok: false, problem: 'invalid_json', detail: message });
          else expect(check.ok === false && check.problem === 'invalid_json').toBe(false);
        }
      }),
    );
  });
});
