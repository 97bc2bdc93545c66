import { isRecord, readList, readNumber, readNumberList, readString, readStruct, readTimestamp } from '../protocols/input.js';
import { invalidCombination, invalidValue, missingParameter } from './errors.js';
import type { MetricIdentity, MetricStore, Sample } from './metric-store.js';
import { readDimensions, requireString } from './read.js';
import type { StatisticSet } from './statistics.js';

/**
 * PutMetricData, validated as CloudWatch validates it: the whole request is checked before
 * anything is stored, so a bad datum in position 7 leaves no partial write behind.
 */

const MAX_DATA = 1000;
const MAX_VALUES = 150;
/** CloudWatch accepts datapoints up to two weeks old and two hours ahead. */
const MAX_AGE_MS = 14 * 24 * 3600_000;
const MAX_AHEAD_MS = 2 * 3600_000;

export const STANDARD_UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

function finite(n: number, where: string): number {
  if (!Number.isFinite(n)) throw invalidValue(`The value ${n} for parameter ${where} is invalid.`);
  return n;
}

function readStatisticSet(datum: Record<string, unknown>, where: string): StatisticSet | undefined {
  const set = readStruct(datum, 'StatisticValues');
  if (!set) return undefined;
  const field = (name: keyof StatisticSet): number => {
    const v = readNumber(set, name);
    if (v === undefined) throw missingParameter(`${where}.StatisticValues.${name}`);
    return finite(v, `${where}.StatisticValues.${name}`);
  };
  const stats = { SampleCount: field('SampleCount'), Sum: field('Sum'), Minimum: field('Minimum'), Maximum: field('Maximum') };
  if (stats.SampleCount <= 0 || stats.Minimum > stats.Maximum) {
    throw invalidValue(`The parameter ${where}.StatisticValues must have SampleCount > 0 and Minimum <= Maximum.`);
  }
  return stats;
}

function readDatum(datum: Record<string, unknown>, where: string, namespace: string, now: number): { identity: MetricIdentity; sample: Sample } {
  const identity = { namespace, metricName: requireString(datum, 'MetricName', `${where}.MetricName`), dimensions: readDimensions(datum, where) };
  const timestamp = readTimestamp(datum, 'Timestamp')?.getTime() ?? now;
  if (timestamp < now - MAX_AGE_MS || timestamp > now + MAX_AHEAD_MS) {
    throw invalidValue(`The parameter ${where}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`);
  }
  const unit = readString(datum, 'Unit') ?? 'None';
  if (!STANDARD_UNITS.has(unit)) throw invalidValue(`The value ${unit} for parameter ${where}.Unit is invalid.`);

  const value = readNumber(datum, 'Value');
  const values = readNumberList(datum, 'Values');
  const counts = readNumberList(datum, 'Counts');
  const statisticSet = readStatisticSet(datum, where);
  const given = [value !== undefined, values.length > 0, statisticSet !== undefined].filter(Boolean).length;
  if (given === 0) throw missingParameter(`${where}.Value`);
  if (given > 1) throw invalidCombination(`The parameters ${where}.Value, ${where}.Values and ${where}.StatisticValues are mutually exclusive.`);
  if (values.length > MAX_VALUES) throw invalidValue(`The collection ${where}.Values must not have a size greater than ${MAX_VALUES}.`);
  if (counts.length > 0 && counts.length !== values.length) {
    throw invalidValue(`The parameters ${where}.Values and ${where}.Counts must be of the same size.`);
  }
  values.forEach((v, i) => finite(v, `${where}.Values.member.${i + 1}`));
  counts.forEach((c, i) => {
    if (!(Number.isFinite(c) && c >= 0)) throw invalidValue(`The value ${c} for parameter ${where}.Counts.member.${i + 1} is invalid.`);
  });
  const sample: Sample = {
    timestamp,
    unit,
    values: value !== undefined ? [finite(value, `${where}.Value`)] : values,
    counts: value !== undefined ? [1] : counts,
    ...(statisticSet ? { statisticSet } : {}),
  };
  return { identity, sample };
}

/** Handles PutMetricData; `now` is the emulator clock (default timestamp, age limits). */
export function putMetricData(store: MetricStore, input: Record<string, unknown>, now: number): Record<string, unknown> {
  const namespace = requireString(input, 'Namespace');
  if (namespace.startsWith('AWS/')) throw invalidValue(`The value ${namespace} for parameter Namespace is invalid: the AWS/ prefix is reserved.`);
  const data = readList(input, 'MetricData');
  if (data.length === 0) throw missingParameter('MetricData');
  if (data.length > MAX_DATA) throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_DATA}.`);
  const parsed = data.map((datum, i) => {
    const where = `MetricData.member.${i + 1}`;
    if (!isRecord(datum)) throw invalidValue(`The parameter ${where} must be a structure.`);
    return readDatum(datum, where, namespace, now);
  });
  for (const { identity, sample } of parsed) store.put(identity, sample);
  return {};
}
