/**
 * The S3 history snapshot format. Plain JSON would lose what DynamoDB can hold and JSON
 * cannot: a Set becomes `{}`, a binary value becomes an object of indices, a NumberValue
 * beyond 2^53 becomes `{"value": ...}`. "Compaction loses nothing" has to hold for those
 * too, so such values are written as one-key tagged objects and revived on read.
 *
 * Snapshots written by the seed (a JSON dump of the whole session dict) decode as well:
 * only their `turns` matter.
 */
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { CoreError } from '../errors.js';
import type { SessionTurn } from './session-item.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** What an S3 snapshot holds. */
export interface HistorySnapshot {
  schemaVersion: number;
  session_id: string;
  /** Turns before `turns[0]` that no store holds (dropped by a seed compaction); usually 0. */
  first_turn_index: number;
  /** The item version the snapshot was taken from (null for an item that had none). */
  source_version: number | null;
  /** The whole known history, oldest first. */
  turns: SessionTurn[];
}

const TAGS = ['$set', '$b64', '$num', '$obj'] as const;

function toTagged(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? { $num: value.toString() } : value;
  }
  if (Array.isArray(value)) return value.map(toTagged);
  if (value instanceof Set) return { $set: [...value].map(toTagged) };
  if (ArrayBuffer.isView(value)) return { $b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof ArrayBuffer) return { $b64: Buffer.from(value).toString('base64') };
  if (value instanceof NumberValue) return { $num: value.toString() };
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== undefined && typeof v !== 'function') out[String(k)] = toTagged(v);
  // A real map that happens to look like a tag is wrapped, so decoding cannot mistake it.
  const keys = Object.keys(out);
  // Its entries become pairs, so the bottom-up reviver never sees the look-alike object itself.
  if (keys.length === 1 && (TAGS as readonly string[]).includes(keys[0] ?? '')) return { $obj: Object.entries(out) };
  return out;
}

function revive(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const v = (value as Record<string, unknown>)[keys[0] ?? ''];
  switch (keys[0]) {
    case '$set':
      return Array.isArray(v) ? new Set(v) : value;
    case '$b64':
      return typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : value;
    case '$num':
      return typeof v === 'string' ? new NumberValue(v) : value;
    case '$obj':
      return Array.isArray(v) ? Object.fromEntries(v as [string, unknown][]) : value;
    default:
      return value;
  }
}

/** Serializes a snapshot losslessly. The text is deterministic: equal snapshots give equal bytes. */
export function encodeSnapshot(snapshot: HistorySnapshot): string {
  return JSON.stringify(toTagged(snapshot));
}

/**
 * Parses a snapshot written by {@link encodeSnapshot} or by the seed. Throws
 * `CoreError('CORRUPT_DATA')` when the text is not JSON or holds no turn list.
 */
export function decodeSnapshot(text: string, where: string): HistorySnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, revive);
  } catch (cause) {
    throw new CoreError('CORRUPT_DATA', `${where}: not JSON`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as { turns?: unknown }).turns)) {
    throw new CoreError('CORRUPT_DATA', `${where}: no turn list`);
  }
  const p = parsed as Partial<HistorySnapshot>;
  const first = Number(p.first_turn_index ?? 0);
  return {
    schemaVersion: Number(p.schemaVersion ?? 0),
    session_id: typeof p.session_id === 'string' ? p.session_id : '',
    first_turn_index: Number.isSafeInteger(first) && first >= 0 ? first : 0,
    source_version: typeof p.source_version === 'number' ? p.source_version : null,
    turns: p.turns as SessionTurn[],
  };
}

/** A key-order-independent fingerprint of a turn, to recognise the same turn in S3 and in the item. */
export function canonicalTurn(turn: SessionTurn): string {
  const sort = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return Array.isArray(v) ? v.map(sort) : v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sort(o[k])]));
  };
  return JSON.stringify(sort(toTagged(turn)));
}

/**
 * Any DynamoDB value (an item, as lib-dynamodb returns it) as lossless JSON, with the same
 * tagging as snapshots: fix keeps an item's pre-image in S3 this way (src/core/items).
 */
export function encodeTagged(value: unknown): string {
  return JSON.stringify(toTagged(value));
}

/** The inverse of {@link encodeTagged}. Throws `CoreError('CORRUPT_DATA')` when the text is not JSON. */
export function decodeTagged(text: string, where: string): unknown {
  try {
    return JSON.parse(text, revive);
  } catch (cause) {
    throw new CoreError('CORRUPT_DATA', `${where}: not JSON`, { cause });
  }
}
