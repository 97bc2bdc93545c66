/**
 * Values inside the Logs Insights engine, and how they compare, sort and render. Insights
 * is loosely typed: a JSON number, a numeric string and a timestamp all compare as numbers;
 * everything else compares as text. Results leave the engine as strings.
 */

/** A point in time (epoch ms); rendered as Insights renders @timestamp. */
export class Timestamp {
  constructor(readonly ms: number) {}
}

/** A field value; `undefined` (not a member) stands for absent or null. */
export type Value = string | number | boolean | Timestamp;

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** `2024-05-01 12:34:56.789` (UTC), the format of @timestamp in query results. */
export function formatTimestamp(ms: number): string {
  const date = new Date(ms);
  // Beyond the Date range (e.g. fromMillis of a huge number) there is no calendar form.
  if (Number.isNaN(date.getTime())) return String(ms);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function renderValue(value: Value): string {
  if (value instanceof Timestamp) return formatTimestamp(value.ms);
  return String(value);
}

/** The value as a number when it is one (numbers, timestamps, numeric strings, booleans as 1/0). */
export function toNumber(value: Value | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (value instanceof Timestamp) return value.ms;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const trimmed = value.trim();
  return NUMERIC.test(trimmed) ? Number(trimmed) : undefined;
}

/** The value as text, as functions such as strlen and like see it. */
export function toText(value: Value | undefined): string | undefined {
  return value === undefined ? undefined : renderValue(value);
}

function isNumberLike(value: Value): boolean {
  return typeof value === 'number' || value instanceof Timestamp;
}

/**
 * Equality for `=`, `!=` and `in`: numeric when either side is a number (or timestamp) and
 * the other reads as one, so `status = 200` and `status = "200"` both work; otherwise text,
 * with a boolean also equal to its text ("true") and to 1/0.
 */
export function valuesEqual(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (isNumberLike(a) || isNumberLike(b) || typeof a === 'boolean' || typeof b === 'boolean') {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x !== undefined && y !== undefined) return x === y;
  }
  return renderValue(a) === renderValue(b);
}

/** Ordering for `<`, `<=`, `>`, `>=`: numeric when both read as numbers, else by text. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  const s = renderValue(a);
  const t = renderValue(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

/** A value prepared once for the many comparisons of a sort. */
export interface OrderKey {
  /** 0: text, 1: number, 2: absent. */
  rank: 0 | 1 | 2;
  num: number;
  text: string;
}

const ABSENT: OrderKey = { rank: 2, num: 0, text: '' };

export function orderKeyOf(value: Value | undefined): OrderKey {
  if (value === undefined) return ABSENT;
  if (typeof value === 'number') return { rank: 1, num: value, text: '' };
  if (value instanceof Timestamp) return { rank: 1, num: value.ms, text: '' };
  if (typeof value === 'string') {
    const n = toNumber(value);
    return n === undefined ? { rank: 0, num: 0, text: value } : { rank: 1, num: n, text: value };
  }
  return { rank: 0, num: 0, text: String(value) };
}

/**
 * The ordering of the `sort` command, per the Insights documentation: ascending, every
 * non-number value sorts before every number; numbers by value; non-numbers chunk by
 * chunk, digit runs by length then value and other runs by Unicode order. Descending is the
 * reverse, except that absent values go last in either direction.
 */
export function compareOrderKeys(a: OrderKey, b: OrderKey, descending = false): number {
  if (a.rank === 2 || b.rank === 2) return a.rank === b.rank ? 0 : a.rank === 2 ? 1 : -1;
  const c = a.rank - b.rank || (a.rank === 1 ? a.num - b.num || textCompare(a.text, b.text) : chunkCompare(a.text, b.text));
  return descending ? -c : c;
}

/** compareOrderKeys for two values, for the occasional comparison. */
export function naturalCompare(a: Value | undefined, b: Value | undefined, descending = false): number {
  return compareOrderKeys(orderKeyOf(a), orderKeyOf(b), descending);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Compares two strings chunk by chunk (runs of digits, runs of anything else) without
 * allocating: sorts and stats orderings call this many thousands of times.
 */
function chunkCompare(s: string, t: string): number {
  let i = 0;
  let j = 0;
  while (i < s.length && j < t.length) {
    const sDigits = isDigit(s.charCodeAt(i));
    const tDigits = isDigit(t.charCodeAt(j));
    let iEnd = i;
    while (iEnd < s.length && isDigit(s.charCodeAt(iEnd)) === sDigits) iEnd++;
    let jEnd = j;
    while (jEnd < t.length && isDigit(t.charCodeAt(jEnd)) === tDigits) jEnd++;
    if (sDigits && tDigits && iEnd - i !== jEnd - j) return iEnd - i - (jEnd - j);
    // Same-length digit runs compare like text; so do mixed or non-digit runs.
    const n = Math.min(iEnd - i, jEnd - j);
    for (let k = 0; k < n; k++) {
      const d = s.charCodeAt(i + k) - t.charCodeAt(j + k);
      if (d !== 0) return d;
    }
    if (iEnd - i !== jEnd - j) return iEnd - i - (jEnd - j);
    i = iEnd;
    j = jEnd;
  }
  return (i < s.length ? 1 : 0) - (j < t.length ? 1 : 0);
}

function textCompare(s: string, t: string): number {
  return s < t ? -1 : s > t ? 1 : 0;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/**
 * `5m` -> 300000. Calendar units (mo, q, y) are not emulated and, like any unknown unit,
 * give undefined (the parser turns that into MalformedQueryException).
 */
export function durationMs(amount: number, unit: string): number | undefined {
  const per = UNIT_MS[unit.toLowerCase()];
  return per === undefined || !(amount > 0) ? undefined : amount * per;
}
