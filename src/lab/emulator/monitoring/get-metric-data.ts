import { isRecord, readBoolean, readInteger, readList, readString, readStruct, readTimestamp } from '../protocols/input.js';
import { decodePageToken, encodePageToken } from '../protocols/paging.js';
import { EmulatorError } from '../types.js';
import { INVALID_NEXT_TOKEN, invalidCombination, invalidValue, missingParameter } from './errors.js';
import type { MetricIdentity, MetricStore } from './metric-store.js';
import { fingerprint, readMetric, readPeriod, requireString } from './read.js';
import { computeStatistic, isSupportedStatistic } from './statistics.js';

/**
 * GetMetricData for `MetricStat` queries. Metric math (`Expression`) is refused with a
 * validation error naming the query, rather than answered wrongly. Paging follows
 * CloudWatch: a page holds at most `MaxDatapoints` datapoints across all queries; a query
 * with datapoints left for later pages has `StatusCode: PartialData`.
 */

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;

interface MetricQuery {
  id: string;
  label: string;
  metric: MetricIdentity;
  periodMs: number;
  stat: string;
  unit: string | undefined;
  returnData: boolean;
}

function readQuery(q: unknown, i: number): MetricQuery {
  const where = `MetricDataQueries.member.${i + 1}`;
  if (!isRecord(q)) throw invalidValue(`The parameter ${where} must be a structure.`);
  const id = requireString(q, 'Id', `${where}.Id`);
  if (!QUERY_ID.test(id)) throw invalidValue(`The value ${id} for parameter ${where}.Id is invalid: it must start with a lowercase letter and contain only letters, digits and underscores.`);
  const expression = readString(q, 'Expression');
  const stat = readStruct(q, 'MetricStat');
  if (expression !== undefined && stat) throw invalidCombination(`Exactly one of ${where}.MetricStat and ${where}.Expression must be specified.`);
  if (expression !== undefined) {
    throw invalidValue(`The expression in ${where} (Id ${id}) is not supported by the lab emulator: only MetricStat queries are.`);
  }
  if (!stat) throw missingParameter(`${where}.MetricStat`);
  const metricInput = readStruct(stat, 'Metric');
  if (!metricInput) throw missingParameter(`${where}.MetricStat.Metric`);
  const metric = readMetric(metricInput, `${where}.MetricStat.Metric`);
  const statName = requireString(stat, 'Stat', `${where}.MetricStat.Stat`);
  if (!isSupportedStatistic(statName)) throw invalidValue(`The value ${statName} for parameter ${where}.MetricStat.Stat is invalid.`);
  return {
    id,
    label: readString(q, 'Label') ?? metric.metricName,
    metric,
    periodMs: readPeriod(stat, `${where}.MetricStat.`) * 1000,
    stat: statName,
    unit: readString(stat, 'Unit'),
    returnData: readBoolean(q, 'ReturnData') ?? true,
  };
}

interface Series {
  query: MetricQuery;
  timestamps: number[];
  values: number[];
}

/** Handles GetMetricData. */
export function getMetricData(store: MetricStore, input: Record<string, unknown>): Record<string, unknown> {
  const raw = readList(input, 'MetricDataQueries');
  if (raw.length === 0) throw missingParameter('MetricDataQueries');
  if (raw.length > MAX_QUERIES) throw invalidValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  const queries = raw.map(readQuery);
  const ids = new Set(queries.map((q) => q.id));
  if (ids.size !== queries.length) throw invalidValue('The Id of each MetricDataQuery must be unique.');

  const start = readTimestamp(input, 'StartTime');
  const end = readTimestamp(input, 'EndTime');
  if (!start) throw missingParameter('StartTime');
  if (!end) throw missingParameter('EndTime');
  if (start.getTime() >= end.getTime()) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  const scanBy = readString(input, 'ScanBy') ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalidValue(`The value ${scanBy} for parameter ScanBy is invalid.`);
  const maxDatapoints = readInteger(input, 'MaxDatapoints') ?? DEFAULT_MAX_DATAPOINTS;
  if (maxDatapoints < 1) throw invalidValue('The parameter MaxDatapoints must be at least 1.');

  const series: Series[] = queries
    .filter((q) => q.returnData)
    .map((query) => {
      const buckets = store.buckets(query.metric, start.getTime(), end.getTime(), query.periodMs, query.unit);
      const points = [...buckets]
        .map(([t, agg]) => [t, computeStatistic(agg, query.stat)] as const)
        .filter((p): p is readonly [number, number] => p[1] !== undefined)
        .sort((a, b) => (scanBy === 'TimestampAscending' ? a[0] - b[0] : b[0] - a[0]));
      return { query, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    });

  const { NextToken: _token, MaxDatapoints: _max, ...filters } = input;
  const print = fingerprint(filters);
  let offset = decodePageToken(readString(input, 'NextToken'), print, INVALID_NEXT_TOKEN);
  const total = series.reduce((n, s) => n + s.values.length, 0);
  // Data cannot shrink between pages, so an offset past the end is a token from elsewhere.
  if (offset > total) throw new EmulatorError(INVALID_NEXT_TOKEN, 'The pagination token is invalid.');
  // Walk the flattened (query, datapoint) sequence from `offset`, taking up to maxDatapoints.
  let budget = maxDatapoints;
  let skip = offset;
  const results = series.map(({ query, timestamps, values }) => {
    const from = Math.min(skip, values.length);
    skip -= from;
    const take = Math.min(budget, values.length - from);
    budget -= take;
    offset += take;
    return {
      Id: query.id,
      Label: query.label,
      Timestamps: timestamps.slice(from, from + take).map((t) => new Date(t)),
      Values: values.slice(from, from + take),
      StatusCode: from + take < values.length ? 'PartialData' : 'Complete',
      Messages: [],
    };
  });
  return {
    MetricDataResults: results,
    Messages: [],
    ...(offset < total ? { NextToken: encodePageToken(offset, print) } : {}),
  };
}
