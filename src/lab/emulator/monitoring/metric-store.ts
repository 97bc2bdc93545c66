import { addStatisticSet, addValues, emptyAggregate, type Aggregate, type StatisticSet } from './statistics.js';

/**
 * The datapoints CloudWatch holds, per metric. A metric is identified, as on CloudWatch, by
 * namespace, name and the exact set of dimensions: `{Agent=a}` and `{Agent=a, Env=b}` are
 * two metrics. Samples keep what the client sent (raw values or a statistic set) so any
 * statistic can be computed later, for any period.
 */
export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  /** Sorted by name: the order a client sent them in does not matter. */
  dimensions: Dimension[];
}

export interface Sample {
  /** Epoch milliseconds. */
  timestamp: number;
  unit: string;
  values: number[];
  counts: number[];
  statisticSet?: StatisticSet;
}

export interface MetricSeries {
  readonly identity: MetricIdentity;
  readonly samples: Sample[];
  /** Bumped on every write, so alarms know when new data arrived since an override. */
  revision: number;
}

export function sortDimensions(dims: readonly Dimension[]): Dimension[] {
  return [...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function keyOf(identity: MetricIdentity): string {
  return JSON.stringify([identity.namespace, identity.metricName, sortDimensions(identity.dimensions).map((d) => [d.Name, d.Value])]);
}

export class MetricStore {
  private readonly series = new Map<string, MetricSeries>();

  put(identity: MetricIdentity, sample: Sample): void {
    const key = keyOf(identity);
    let s = this.series.get(key);
    if (!s) {
      s = { identity: { ...identity, dimensions: sortDimensions(identity.dimensions) }, samples: [], revision: 0 };
      this.series.set(key, s);
    }
    s.samples.push(sample);
    s.revision += 1;
  }

  find(identity: MetricIdentity): MetricSeries | undefined {
    return this.series.get(keyOf(identity));
  }

  /** Revision of a metric (0 if it has no data yet). */
  revision(identity: MetricIdentity): number {
    return this.find(identity)?.revision ?? 0;
  }

  all(): MetricSeries[] {
    return [...this.series.values()];
  }

  /**
   * Aggregates a metric's samples into groups: `groupOf` maps a sample's timestamp to its
   * group key (e.g. a period's start), or undefined to leave it out. `unit` filters samples.
   */
  aggregate<K>(identity: MetricIdentity, groupOf: (timestamp: number) => K | undefined, unit?: string): Map<K, Aggregate> {
    const groups = new Map<K, Aggregate>();
    for (const sample of this.find(identity)?.samples ?? []) {
      if (unit !== undefined && sample.unit !== unit) continue;
      const key = groupOf(sample.timestamp);
      if (key === undefined) continue;
      let agg = groups.get(key);
      if (!agg) groups.set(key, (agg = emptyAggregate()));
      if (sample.statisticSet) addStatisticSet(agg, sample.statisticSet);
      addValues(agg, sample.values, sample.counts);
    }
    return groups;
  }

  /**
   * Period buckets aligned to multiples of the period (so 60 s buckets start on the minute),
   * covering samples in [startMs, endMs).
   */
  buckets(identity: MetricIdentity, startMs: number, endMs: number, periodMs: number, unit?: string): Map<number, Aggregate> {
    return this.aggregate(identity, (t) => (t >= startMs && t < endMs ? Math.floor(t / periodMs) * periodMs : undefined), unit);
  }

  clear(): void {
    this.series.clear();
  }
}
