/**
 * CloudWatch statistics over the samples of one period. Percentiles are computed from the
 * raw values clients sent (`Value`, or `Values` with `Counts`); data sent only as
 * `StatisticValues` has no distribution, so a period holding any of it has no percentile,
 * as on CloudWatch.
 */

/** Everything needed to answer any statistic for one period. */
export interface Aggregate {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  /** Raw values with their repeat counts; incomplete when `fromStatisticSets` is true. */
  values: { value: number; count: number }[];
  fromStatisticSets: boolean;
}

export function emptyAggregate(): Aggregate {
  return { sampleCount: 0, sum: 0, minimum: Infinity, maximum: -Infinity, values: [], fromStatisticSets: false };
}

/** Adds raw values (each repeated `counts[i]` times, default 1). */
export function addValues(agg: Aggregate, values: readonly number[], counts: readonly number[]): void {
  values.forEach((value, i) => {
    const count = counts[i] ?? 1;
    if (count <= 0) return;
    agg.values.push({ value, count });
    agg.sampleCount += count;
    agg.sum += value * count;
    agg.minimum = Math.min(agg.minimum, value);
    agg.maximum = Math.max(agg.maximum, value);
  });
}

export interface StatisticSet {
  SampleCount: number;
  Sum: number;
  Minimum: number;
  Maximum: number;
}

export function addStatisticSet(agg: Aggregate, set: StatisticSet): void {
  agg.sampleCount += set.SampleCount;
  agg.sum += set.Sum;
  agg.minimum = Math.min(agg.minimum, set.Minimum);
  agg.maximum = Math.max(agg.maximum, set.Maximum);
  agg.fromStatisticSets = true;
}

export const BASIC_STATISTICS = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'] as const;
export type BasicStatistic = (typeof BASIC_STATISTICS)[number];

const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

/** True for the statistics this emulator computes: the five basic ones and pNN(.NN). */
export function isSupportedStatistic(stat: string): boolean {
  return (BASIC_STATISTICS as readonly string[]).includes(stat) || PERCENTILE.test(stat);
}

export function isPercentile(stat: string): boolean {
  return PERCENTILE.test(stat);
}

/**
 * The value of `stat` for one period, or undefined when the period has no data or the
 * statistic cannot be computed from what was sent.
 */
export function computeStatistic(agg: Aggregate, stat: string): number | undefined {
  if (agg.sampleCount <= 0) return undefined;
  switch (stat) {
    case 'SampleCount':
      return agg.sampleCount;
    case 'Sum':
      return agg.sum;
    case 'Average':
      return agg.sum / agg.sampleCount;
    case 'Minimum':
      return agg.minimum;
    case 'Maximum':
      return agg.maximum;
  }
  if (!PERCENTILE.test(stat) || agg.fromStatisticSets) return undefined;
  return percentile(agg.values, Number(stat.slice(1)));
}

/**
 * Nearest-rank percentile of weighted values: the smallest value v such that at least p% of
 * the samples are <= v. p0 is the minimum, p100 the maximum.
 */
export function percentile(values: readonly { value: number; count: number }[], p: number): number | undefined {
  const total = values.reduce((n, v) => n + v.count, 0);
  if (total <= 0) return undefined;
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const v of sorted) {
    seen += v.count;
    if (seen >= rank) return v.value;
  }
  return sorted[sorted.length - 1]?.value;
}
