import { EmulatorError } from '../types.js';
import type { ServiceWire } from './service-wire.js';
import { queryErrorCode } from './service-wire.js';

/**
 * The awsJson 1.0 / 1.1 protocols: `POST /` with `X-Amz-Target: Prefix.Operation`, a JSON
 * body, timestamps as epoch seconds, errors as `{"__type", "message"}` with the status AWS
 * uses. awsQueryCompatible services (CloudWatch) also send `x-amzn-query-error`, from which
 * the SDKs take the error name.
 */

/** Replaces what JSON cannot carry: Date -> epoch seconds, Map -> object. */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toJsonValue(v)]),
    );
  }
  return value;
}

/** Parses a JSON RPC body; an empty body is an empty input. */
export function decodeJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EmulatorError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EmulatorError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function jsonContentType(wire: ServiceWire | undefined): string {
  return `application/x-amz-json-${wire?.jsonVersion ?? '1.1'}`;
}

/** The `__type` AWS puts on JSON and CBOR errors: namespaced for query-compatible services. */
export function errorTypeName(wire: ServiceWire | undefined, code: string): string {
  return wire?.queryCompatible ? `${wire.smithyNamespace}#${code}` : code;
}

/** Headers every JSON/CBOR error carries for a query-compatible service. */
export function queryCompatHeaders(wire: ServiceWire | undefined, err: EmulatorError): Record<string, string> {
  if (!wire?.queryCompatible) return {};
  return { 'x-amzn-query-error': `${queryErrorCode(wire, err.code)};${err.status >= 500 ? 'Receiver' : 'Sender'}` };
}

export function jsonErrorBody(wire: ServiceWire | undefined, err: EmulatorError): string {
  return JSON.stringify({ __type: errorTypeName(wire, err.code), message: err.message });
}
