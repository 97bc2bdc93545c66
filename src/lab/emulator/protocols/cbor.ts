import { cbor, dateToTag, tagSymbol } from '@smithy/core/cbor';
import { EmulatorError } from '../types.js';

/**
 * Smithy RPC v2 CBOR: `POST /service/<Service>/operation/<Operation>` with header
 * `smithy-protocol: rpc-v2-cbor`, CBOR bodies, timestamps as tag 1 (epoch seconds).
 * Errors are CBOR maps with `__type` and `message`. The codec is the one the AWS SDK for
 * JavaScript itself uses (@smithy/core/cbor), so both ends agree on the encoding.
 */

export const CBOR_CONTENT_TYPE = 'application/cbor';

const RPC_V2_PATH = /^\/service\/([^/]+)\/operation\/([^/?]+)$/;

/** The service and operation an RPC v2 path names, or undefined for any other path. */
export function parseRpcV2Path(path: string): { service: string; operation: string } | undefined {
  const m = RPC_V2_PATH.exec(path);
  return m ? { service: decodeURIComponent(m[1] as string), operation: decodeURIComponent(m[2] as string) } : undefined;
}

/** Decodes a request body, turning tag-1 timestamps into Dates and bigints into numbers. */
export function decodeCborBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let decoded: unknown;
  try {
    decoded = cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  } catch {
    throw new EmulatorError('SerializationException', 'The request body is not valid CBOR.');
  }
  const value = fromCbor(decoded);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EmulatorError('SerializationException', 'The request body must be a CBOR map.');
  }
  return value as Record<string, unknown>;
}

function fromCbor(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCbor);
  if (typeof value === 'object' && value !== null) {
    const tagged = value as { [tagSymbol]?: boolean; tag?: unknown; value?: unknown };
    if (tagged[tagSymbol] && Number(tagged.tag) === 1 && typeof tagged.value === 'number') return new Date(tagged.value * 1000);
    if (value instanceof Uint8Array || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCbor(v)]));
  }
  return value;
}

function toCbor(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toCbor(v)]));
  if (Array.isArray(value)) return value.map(toCbor);
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toCbor(v)]),
    );
  }
  return value;
}

/** Encodes an output or error structure. */
export function encodeCbor(value: Record<string, unknown>): Buffer {
  // serialize() returns a view into a shared buffer: copy before the next call reuses it.
  return Buffer.from(cbor.serialize(toCbor(value)));
}
