import type { Aggregation } from './ast.js';
import { compileExpr, type Evaluator } from './compile.js';
import type { Row } from './rows.js';
import { renderValue, toNumber, type Value } from './values.js';

/**
 * Aggregate functions of `stats`. Numeric aggregates (sum, avg, min, max, pct) read values
 * as numbers and skip the rest; a group with no numeric value gets no value (the field is
 * left out of its result row, as Insights leaves out nulls).
 *
 * pct(f, p) is the nearest-rank percentile: the smallest value with at least p% of the
 * values at or below it. That is what the Insights documentation describes ("the value at
 * which p percent of the values are lower"); AWS computes it approximately on large data,
 * the emulator exactly, so results agree on small sets and are within a rank on big ones.
 */

interface Accumulator {
  add(row: Row): void;
  result(): Value | undefined;
}

export interface AggregateFunction {
  minArgs: number;
  maxArgs: number;
  /** pct/percentile: the second argument must be a number literal in [0, 100]. */
  percentArg?: boolean;
  /** count(*) is allowed. */
  star?: boolean;
}

export const AGGREGATE_FUNCTIONS: Readonly<Record<string, AggregateFunction>> = {
  count: { minArgs: 0, maxArgs: 1, star: true },
  count_distinct: { minArgs: 1, maxArgs: 1 },
  sum: { minArgs: 1, maxArgs: 1 },
  avg: { minArgs: 1, maxArgs: 1 },
  min: { minArgs: 1, maxArgs: 1 },
  max: { minArgs: 1, maxArgs: 1 },
  pct: { minArgs: 2, maxArgs: 2, percentArg: true },
  percentile: { minArgs: 2, maxArgs: 2, percentArg: true },
  earliest: { minArgs: 1, maxArgs: 1 },
  latest: { minArgs: 1, maxArgs: 1 },
};

/** Returns a factory making one fresh accumulator per group. */
export function compileAggregation(agg: Aggregation): () => Accumulator {
  const arg = agg.args[0];
  if (agg.fn === 'count' && (arg === undefined || arg.kind === 'star')) return countRows;
  const value = compileExpr(arg as NonNullable<typeof arg>);
  switch (agg.fn) {
    case 'count':
      return () => counter(value);
    case 'count_distinct':
      return () => distinct(value);
    case 'sum':
      return () => numeric(value, (nums) => nums.reduce((a, b) => a + b, 0));
    case 'avg':
      return () => numeric(value, (nums) => nums.reduce((a, b) => a + b, 0) / nums.length);
    case 'min':
    case 'max':
      return () => extreme(value, agg.fn === 'min' ? -1 : 1);
    case 'pct':
    case 'percentile': {
      const percent = agg.args[1]?.kind === 'literal' ? Number(agg.args[1].value) : NaN;
      return () => numeric(value, (nums) => nearestRank(nums, percent));
    }
    case 'earliest':
    case 'latest':
      return () => byTime(value, agg.fn === 'earliest' ? -1 : 1);
    default:
      throw new Error(`unknown aggregate ${agg.fn}`);
  }
}

function countRows(): Accumulator {
  let n = 0;
  return { add: () => void n++, result: () => n };
}

function counter(value: Evaluator): Accumulator {
  let n = 0;
  return {
    add: (row) => {
      if (value(row) !== undefined) n++;
    },
    result: () => n,
  };
}

function distinct(value: Evaluator): Accumulator {
  const seen = new Set<string>();
  return {
    add: (row) => {
      const v = value(row);
      if (v !== undefined) seen.add(renderValue(v));
    },
    result: () => seen.size,
  };
}

function numeric(value: Evaluator, reduce: (nums: number[]) => number): Accumulator {
  const nums: number[] = [];
  return {
    add: (row) => {
      const n = toNumber(value(row));
      if (n !== undefined) nums.push(n);
    },
    result: () => (nums.length === 0 ? undefined : reduce(nums)),
  };
}

/** min and max keep the winning value itself, so max(@timestamp) stays a timestamp. */
function extreme(value: Evaluator, sign: 1 | -1): Accumulator {
  let best: Value | undefined;
  let bestN = 0;
  return {
    add: (row) => {
      const v = value(row);
      const n = toNumber(v);
      if (n === undefined) return;
      if (best === undefined || sign * (n - bestN) > 0) {
        best = v;
        bestN = n;
      }
    },
    result: () => best,
  };
}

/** earliest/latest: the value from the row with the smallest/largest @timestamp. */
function byTime(value: Evaluator, sign: 1 | -1): Accumulator {
  let best: Value | undefined;
  let bestTime = 0;
  return {
    add: (row) => {
      const v = value(row);
      const t = row.time();
      if (v === undefined || t === undefined) return;
      if (best === undefined || sign * (t - bestTime) > 0) {
        best = v;
        bestTime = t;
      }
    },
    result: () => best,
  };
}

/** Nearest-rank percentile of `nums` (unsorted) at `percent` in [0, 100]. */
export function nearestRank(nums: number[], percent: number): number {
  const sorted = [...nums].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}
