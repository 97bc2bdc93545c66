import { createHash } from 'node:crypto';
import { isRecord, readInteger, readList, readString } from '../protocols/input.js';
import { invalidValue, missingParameter } from './errors.js';
import type { Dimension, MetricIdentity } from './metric-store.js';

/** Readers for the structures several CloudWatch operations share. */

export const MAX_DIMENSIONS = 30;

/** A required string member; `path` names it in the error as AWS does (`MetricData.member.1.MetricName`). */
export function requireString(input: Record<string, unknown>, name: string, path = name): string {
  const v = readString(input, name);
  if (v === undefined || v === '') throw missingParameter(path);
  return v;
}

/** `Dimensions`: a list of {Name, Value}, at most 30, names unique. */
export function readDimensions(input: Record<string, unknown>, path: string, name = 'Dimensions'): Dimension[] {
  const list = readList(input, name);
  if (list.length > MAX_DIMENSIONS) throw invalidValue(`The collection ${path}.${name} must not have a size greater than ${MAX_DIMENSIONS}.`);
  const dims = list.map((item, i) => {
    const where = `${path}.${name}.member.${i + 1}`;
    if (!isRecord(item)) throw invalidValue(`The parameter ${where} must be a structure.`);
    return { Name: requireString(item, 'Name', `${where}.Name`), Value: requireString(item, 'Value', `${where}.Value`) };
  });
  const names = new Set(dims.map((d) => d.Name));
  if (names.size !== dims.length) throw invalidValue(`The collection ${path}.${name} must not contain duplicate dimension names.`);
  return dims;
}

/** A `Metric` structure: Namespace, MetricName, Dimensions. */
export function readMetric(input: Record<string, unknown>, path: string): MetricIdentity {
  return {
    namespace: requireString(input, 'Namespace', `${path}.Namespace`),
    metricName: requireString(input, 'MetricName', `${path}.MetricName`),
    dimensions: readDimensions(input, path),
  };
}

/**
 * A `Period` in seconds: 1, 5, 10, 20, 30 (high resolution) or a multiple of 60, as
 * CloudWatch accepts.
 */
export function readPeriod(input: Record<string, unknown>, path: string, name = 'Period'): number {
  const period = readInteger(input, name);
  if (period === undefined) throw missingParameter(`${path}${name}`);
  if (!(period > 0 && (period % 60 === 0 || [1, 5, 10, 20, 30].includes(period)))) {
    throw invalidValue(`The parameter ${path}${name} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
  }
  return period;
}

/** A stable digest of a request's filters, to bind paging tokens to the request they came from. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

export function dimensionsOut(dims: readonly Dimension[]): Dimension[] {
  return dims.map((d) => ({ Name: d.Name, Value: d.Value }));
}
