import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { CoreError } from './errors.js';

/** Who spoke: the shopper, an agent, or a tool result fed back to the agent. */
export const TURN_ROLES = ['user', 'assistant', 'tool'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

/**
 * One conversation turn as the contract stores it (one JSON object per entry of the
 * `:turns` list, oldest first). Fields beyond these are kept at run time (a newer
 * orchestrator may add some, and recovery must not strip what it does not understand) but
 * are not part of the type, so any structurally equal interface can be passed in.
 */
export interface Turn {
  role: TurnRole;
  content: string;
  agent_name?: string;
  /** Epoch milliseconds. */
  ts: number;
  tool_calls?: unknown[];
}

/**
 * The turn schema. Optional fields also accept `null`, because the Python orchestrator
 * writes `"agent_name": null` for user turns; rejecting those would make partial recovery
 * drop every user turn of a healthy session.
 */
export const turnSchema = z.looseObject({
  role: z.enum(TURN_ROLES),
  content: z.string(),
  agent_name: z.string().nullish(),
  ts: z.number().nonnegative(),
  tool_calls: z.array(z.unknown()).nullish(),
});

/** Why a stored entry is not a usable turn. */
export type TurnProblem = 'not_utf8' | 'invalid_json' | 'not_a_turn';

/** The verdict on one stored entry: the turn it holds, or why it holds none. */
export type TurnEntryCheck =
  | { ok: true; turn: Turn }
  | { ok: false; problem: TurnProblem; detail: string };

/**
 * The fast test of a parsed turn: true only when {@link turnSchema} (role, content, ts,
 * optional agent_name and tool_calls, extra fields allowed) would accept it too. It may be
 * stricter than the schema, never looser: what it rejects goes to the schema, which has the
 * last word (the scanners send the whole session to `classifyRawSession`). Hand-written
 * because a schema library's parse of every turn of a million sessions is most of a scan's
 * CPU; a property test keeps the two in agreement.
 */
export function isPlainTurn(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const t = value as Record<string, unknown>;
  const role = t.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'tool') return false;
  if (typeof t.content !== 'string') return false;
  const ts = t.ts;
  // JSON.parse turns 1e999 into Infinity, which the schema rejects: so do we.
  if (typeof ts !== 'number' || !(ts >= 0) || ts === Infinity) return false;
  const agent = t.agent_name;
  if (agent !== undefined && agent !== null && typeof agent !== 'string') return false;
  const calls = t.tool_calls;
  if (calls !== undefined && calls !== null && !Array.isArray(calls)) return false;
  return true;
}

/**
 * True when a stored entry, as ioredis decodes it to a string, is JSON of a turn (see
 * {@link isPlainTurn}). Decoding replaces bytes that are not UTF-8 with U+FFFD, so any
 * U+FFFD sends the session to the core, which reads the bytes themselves (`not_utf8`); a
 * turn that really contains U+FFFD only costs that second look. Strings rather than
 * Buffers: one allocation less per entry, which is most of a scan's garbage.
 */
export function textIsPlainTurn(text: string): boolean {
  if (text.indexOf('\uFFFD') !== -1) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return isPlainTurn(value);
}

/**
 * Checks a parsed JSON value against the turn schema and returns it as a `Turn` (with
 * `null` optional fields dropped), or null when it is not a turn object.
 */
export function parseTurnValue(value: unknown): Turn | null {
  // The hand-written test first: it accepts only what the schema accepts, at a fraction of
  // the cost, and every turn of every session goes through here.
  if (!isPlainTurn(value) && !turnSchema.safeParse(value).success) return null;
  const v = value as Record<string, unknown>;
  // The value itself when there is nothing to drop (callers never mutate turns; a copy of
  // every turn of every session was most of a fleet's garbage); a copy otherwise, since the
  // caller's value (a backup's element, restored as it is) must keep its nulls.
  if (v.agent_name !== null && v.tool_calls !== null) return v as unknown as Turn;
  const turn: Record<string, unknown> = { ...v };
  if (turn.agent_name === null) delete turn.agent_name;
  if (turn.tool_calls === null) delete turn.tool_calls;
  return turn as unknown as Turn;
}

/**
 * Classifies one raw entry of a turns list. Bytes are checked as UTF-8 first, so binary
 * garbage is told apart from truncated JSON, and JSON that parses (`42`, `[]`, `{"x":1}`)
 * is told apart from a turn object.
 */
export function checkTurnEntry(raw: Buffer | string): TurnEntryCheck {
  if (typeof raw !== 'string' && !isUtf8(raw)) return { ok: false, problem: 'not_utf8', detail: 'entry is not valid UTF-8' };
  if (!mayEndJson(raw)) return invalidJson(raw);
  let value: unknown;
  // A corrupt entry's SyntaxError needs its message, not a stack: capturing one was most of
  // the cost of checking a truncated entry, and a fleet of corrupt sessions has one each.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return { ok: false, problem: 'invalid_json', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const turn = parseTurnValue(value);
  if (!turn) return { ok: false, problem: 'not_a_turn', detail: `JSON ${describeJsonValue(value)} is not a turn object` };
  return { ok: true, turn };
}

/** JSON's whitespace: space, line feed, carriage return, tab. */
export const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * False when the text cannot be JSON: its last non-whitespace character ends no JSON value
 * (a value ends with `}`, `]`, `"`, a digit, or the `e`/`l` of true, false, null). A truncated
 * entry, the commonest corruption, usually fails here, before a parse that would build a
 * SyntaxError only to be thrown away.
 */
function mayEndJson(raw: Buffer | string): boolean {
  for (let i = raw.length - 1; i >= 0; i--) {
    const c = typeof raw === 'string' ? raw.charCodeAt(i) : raw[i]!;
    if (isJsonSpace(c)) continue;
    return c === 0x7d || c === 0x5d || c === 0x22 || (c >= 0x30 && c <= 0x39) || c === 0x65 || c === 0x6c;
  }
  return false;
}

/** The verdict on text that is not JSON; the parser's message, when asked for, is the one JSON.parse gives. */
function invalidJson(raw: Buffer | string): TurnEntryCheck {
  let detail: string | undefined;
  return {
    ok: false,
    problem: 'invalid_json',
    get detail() {
      if (detail === undefined) {
        try {
          JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
          detail = 'not JSON';
        } catch (err) {
          detail = err instanceof Error ? err.message : String(err);
        }
      }
      return detail;
    },
  };
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** The stored form of a turn: one compact JSON text, as every list entry is written. */
export function encodeTurn(turn: Turn): string {
  return JSON.stringify(turn);
}

/**
 * Validates turns a caller wants to save. Throws CoreError CORRUPT_DATA naming the first
 * offending index: the store never writes something it would itself call corrupt.
 */
export function assertTurns(turns: readonly unknown[]): Turn[] {
  return turns.map((value, index) => {
    const turn = parseTurnValue(value);
    if (!turn) {
      throw new CoreError('CORRUPT_DATA', `turn ${index} is not a turn object (role, content, ts required)`, {
        suggestion: 'a turn is {"role": "user"|"assistant"|"tool", "content": string, "ts": epoch-ms}',
      });
    }
    return turn;
  });
}
