import { EmulatorError } from '../types.js';

/**
 * Readers for operation input that behave the same whichever protocol carried it. Without
 * a schema the codecs cannot type values, so the same member arrives as a JSON number, a
 * query-string string ("1.5"), or a CBOR tagged date; these readers accept every form a
 * real client sends and reject the rest with the validation error AWS would return.
 *
 * Errors use `InvalidParameterValueException` (query code `InvalidParameterValue`), the
 * shape CloudWatch and ElastiCache both define; services with other shapes pass `code`.
 */
export interface ReadOptions {
  code?: string;
}

function invalid(name: string, why: string, opts: ReadOptions): EmulatorError {
  return new EmulatorError(opts.code ?? 'InvalidParameterValueException', `The parameter ${name} ${why}.`);
}

/** A string member, or undefined when absent. */
export function readString(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(name, 'must be a string', opts);
}

/** A numeric member (double or integer), or undefined when absent. */
export function readNumber(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): number | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw invalid(name, 'must be a number', opts);
  return n;
}

/** An integer member, or undefined when absent. */
export function readInteger(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): number | undefined {
  const n = readNumber(input, name, opts);
  if (n !== undefined && !Number.isInteger(n)) throw invalid(name, 'must be an integer', opts);
  return n;
}

/** A boolean member ("true"/"false" on the query protocol), or undefined when absent. */
export function readBoolean(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(name, 'must be a boolean', opts);
}

/**
 * A timestamp member: a Date (CBOR tag 1), epoch seconds (JSON and CBOR default format),
 * or an ISO 8601 string (query protocol); undefined when absent.
 */
export function readTimestamp(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): Date | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v * 1000;
  else if (typeof v === 'string') ms = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  else ms = NaN;
  if (!Number.isFinite(ms)) throw invalid(name, 'must be a timestamp (ISO 8601 or epoch seconds)', opts);
  return new Date(ms);
}

/**
 * A list member; absent and the query protocol's empty-list marker (`Name=`) both read as [].
 */
export function readList(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): unknown[] {
  const v = input[name];
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v;
  throw invalid(name, 'must be a list', opts);
}

/** A list of strings. */
export function readStringList(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): string[] {
  return readList(input, name, opts).map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number') return String(item);
    throw invalid(`${name}.member.${i + 1}`, 'must be a string', opts);
  });
}

/** A list of numbers. */
export function readNumberList(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): number[] {
  return readList(input, name, opts).map((item, i) => {
    const n = typeof item === 'number' ? item : typeof item === 'string' && item !== '' ? Number(item) : NaN;
    if (Number.isNaN(n)) throw invalid(`${name}.member.${i + 1}`, 'must be a number', opts);
    return n;
  });
}

/** A structure member, or undefined when absent. */
export function readStruct(input: Record<string, unknown>, name: string, opts: ReadOptions = {}): Record<string, unknown> | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (isRecord(v)) return v;
  throw invalid(name, 'must be a structure', opts);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Map);
}
