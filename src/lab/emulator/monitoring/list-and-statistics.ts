import { isRecord, readList, readString, readStringList, readTimestamp } from '../protocols/input.js';
import { decodePageToken, pageOf } from '../protocols/paging.js';
import { INVALID_NEXT_TOKEN, invalidCombination, invalidValue, missingParameter } from './errors.js';
import type { MetricStore } from './metric-store.js';
import { dimensionsOut, fingerprint, readDimensions, readPeriod, requireString } from './read.js';
import { BASIC_STATISTICS, computeStatistic, isPercentile } from './statistics.js';

/** GetMetricStatistics and ListMetrics: the older, simpler read APIs. */

const MAX_DATAPOINTS = 1440;
const LIST_PAGE = 500;
const RECENTLY_ACTIVE_MS = 3 * 3600_000;

/** Handles GetMetricStatistics (datapoints in ascending time order). */
export function getMetricStatistics(store: MetricStore, input: Record<string, unknown>): Record<string, unknown> {
  const metric = {
    namespace: requireString(input, 'Namespace'),
    metricName: requireString(input, 'MetricName'),
    dimensions: readDimensions(input, 'GetMetricStatistics'),
  };
  const start = readTimestamp(input, 'StartTime');
  const end = readTimestamp(input, 'EndTime');
  if (!start) throw missingParameter('StartTime');
  if (!end) throw missingParameter('EndTime');
  if (start.getTime() >= end.getTime()) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  const period = readPeriod(input, '');
  const statistics = readStringList(input, 'Statistics');
  const extended = readStringList(input, 'ExtendedStatistics');
  if (statistics.length === 0 && extended.length === 0) throw missingParameter('Statistics');
  if (statistics.length > 0 && extended.length > 0) throw invalidCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive.');
  for (const s of statistics) {
    if (!(BASIC_STATISTICS as readonly string[]).includes(s)) throw invalidValue(`The value ${s} for parameter Statistics is invalid.`);
  }
  for (const s of extended) if (!isPercentile(s)) throw invalidValue(`The value ${s} for parameter ExtendedStatistics is invalid.`);
  const unit = readString(input, 'Unit');

  const buckets = store.buckets(metric, start.getTime(), end.getTime(), period * 1000, unit);
  if (buckets.size > MAX_DATAPOINTS) {
    throw invalidCombination(`You have requested up to ${buckets.size} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}.`);
  }
  const reportedUnit = unit ?? store.find(metric)?.samples.at(-1)?.unit ?? 'None';
  const datapoints = [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([t, agg]) => {
      const point: Record<string, unknown> = { Timestamp: new Date(t), Unit: reportedUnit };
      for (const s of statistics) point[s] = computeStatistic(agg, s);
      if (extended.length > 0) {
        const values = extended.map((s) => [s, computeStatistic(agg, s)] as const).filter(([, v]) => v !== undefined);
        point.ExtendedStatistics = new Map(values);
      }
      return point;
    });
  return { Label: metric.metricName, Datapoints: datapoints };
}

/** Handles ListMetrics: filters by namespace, name, dimension names (and values), recent activity. */
export function listMetrics(store: MetricStore, input: Record<string, unknown>, now: number): Record<string, unknown> {
  const namespace = readString(input, 'Namespace');
  const metricName = readString(input, 'MetricName');
  const filters = readList(input, 'Dimensions').map((f, i) => {
    if (!isRecord(f)) throw invalidValue(`The parameter Dimensions.member.${i + 1} must be a structure.`);
    return { name: requireString(f, 'Name', `Dimensions.member.${i + 1}.Name`), value: readString(f, 'Value') };
  });
  const recentlyActive = readString(input, 'RecentlyActive');
  if (recentlyActive !== undefined && recentlyActive !== 'PT3H') throw invalidValue(`The value ${recentlyActive} for parameter RecentlyActive is invalid.`);

  const matches = store
    .all()
    .filter(({ identity, samples }) => {
      if (namespace !== undefined && identity.namespace !== namespace) return false;
      if (metricName !== undefined && identity.metricName !== metricName) return false;
      if (recentlyActive && !samples.some((s) => s.timestamp >= now - RECENTLY_ACTIVE_MS)) return false;
      return filters.every((f) => identity.dimensions.some((d) => d.Name === f.name && (f.value === undefined || d.Value === f.value)));
    })
    .map(({ identity }) => ({ Namespace: identity.namespace, MetricName: identity.metricName, Dimensions: dimensionsOut(identity.dimensions) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

  const { NextToken: _token, MaxRecords: _max, ...request } = input;
  const print = fingerprint(request);
  const { page, next } = pageOf(matches, decodePageToken(readString(input, 'NextToken'), print, INVALID_NEXT_TOKEN), LIST_PAGE, print);
  return { Metrics: page, ...(next ? { NextToken: next } : {}) };
}
