import { Timestamp, toNumber, toText, type Value } from './values.js';

/**
 * The scalar functions of the supported Insights subset. Each takes its evaluated
 * arguments (undefined = absent) and returns a value or undefined. Functions whose
 * arguments are not plain values (bin, datefloor, dateceil take a period) are compiled
 * specially by compile.ts; they are listed here so the parser knows their arity.
 */

type Args = readonly (Value | undefined)[];

export interface ScalarFunction {
  minArgs: number;
  maxArgs: number;
  /** Indexes of arguments that must be a period literal such as `5m`. */
  periodArgs?: readonly number[];
  apply?: (args: Args) => Value | undefined;
}

const text1 = (f: (s: string) => Value | undefined): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 1,
  apply: ([a]) => {
    const s = toText(a);
    return s === undefined ? undefined : f(s);
  },
});

const num1 = (f: (n: number) => number): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 1,
  apply: ([a]) => {
    const n = toNumber(a);
    if (n === undefined) return undefined;
    const r = f(n);
    return Number.isFinite(r) ? r : undefined;
  },
});

const extreme = (pick: (a: number, b: number) => number): ScalarFunction => ({
  minArgs: 1,
  maxArgs: Infinity,
  apply: (args) => {
    const nums = args.map(toNumber).filter((n): n is number => n !== undefined);
    return nums.length === 0 ? undefined : nums.reduce(pick);
  },
});

export const SCALAR_FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  ispresent: { minArgs: 1, maxArgs: 1, apply: ([a]) => a !== undefined },
  isempty: { minArgs: 1, maxArgs: 1, apply: ([a]) => a === undefined || toText(a) === '' },
  isblank: { minArgs: 1, maxArgs: 1, apply: ([a]) => a === undefined || (toText(a) ?? '').trim() === '' },
  coalesce: { minArgs: 1, maxArgs: Infinity, apply: (args) => args.find((a) => a !== undefined) },
  strlen: text1((s) => s.length),
  toupper: text1((s) => s.toUpperCase()),
  tolower: text1((s) => s.toLowerCase()),
  trim: text1((s) => s.trim()),
  ltrim: text1((s) => s.trimStart()),
  rtrim: text1((s) => s.trimEnd()),
  concat: {
    minArgs: 1,
    maxArgs: Infinity,
    apply: (args) => args.map((a) => toText(a) ?? '').join(''),
  },
  strcontains: {
    minArgs: 2,
    maxArgs: 2,
    apply: ([s, sub]) => {
      const t = toText(s);
      const u = toText(sub);
      return t === undefined || u === undefined ? undefined : t.includes(u) ? 1 : 0;
    },
  },
  substr: {
    minArgs: 2,
    maxArgs: 3,
    apply: ([s, start, len]) => {
      const t = toText(s);
      const from = toNumber(start);
      if (t === undefined || from === undefined) return undefined;
      const count = toNumber(len);
      return count === undefined ? t.slice(from) : t.slice(from, from + count);
    },
  },
  replace: {
    minArgs: 3,
    maxArgs: 3,
    apply: ([s, search, replacement]) => {
      const t = toText(s);
      const find = toText(search);
      return t === undefined || find === undefined || find === '' ? t : t.split(find).join(toText(replacement) ?? '');
    },
  },
  abs: num1(Math.abs),
  ceil: num1(Math.ceil),
  floor: num1(Math.floor),
  sqrt: num1(Math.sqrt),
  log: num1(Math.log),
  greatest: extreme(Math.max),
  least: extreme(Math.min),
  frommillis: {
    minArgs: 1,
    maxArgs: 1,
    apply: ([a]) => {
      const n = toNumber(a);
      return n === undefined ? undefined : new Timestamp(n);
    },
  },
  tomillis: { minArgs: 1, maxArgs: 1, apply: ([a]) => toNumber(a) },
  bin: { minArgs: 1, maxArgs: 1, periodArgs: [0] },
  datefloor: { minArgs: 2, maxArgs: 2, periodArgs: [1] },
  dateceil: { minArgs: 2, maxArgs: 2, periodArgs: [1] },
};

/** Truthiness in `filter` and boolean operators. */
export function truthy(value: Value | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '';
  return true;
}
