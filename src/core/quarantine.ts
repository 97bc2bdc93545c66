import { isUtf8 } from 'node:buffer';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import { CoreError } from './errors.js';
import { parseQuarantineKey, quarantineScanPattern, type KeyLayout } from './keys.js';
import { isClusterClient, PTTL_MISSING, type RedisClient } from './redis-types.js';
import type { SessionId } from './session-id.js';
import { waitReady } from './sessions/connection.js';
import type { KeySnapshot } from './sessions/key-snapshot.js';

/**
 * Quarantine records: before a fix replaces or removes session data, the data goes to
 * `<prefix>:quarantine:<id>:<epoch-ms>` (a string, kept 7 days) as JSON
 * `{schemaVersion, sessionId, at, action, reason, keys: {<key>: {type, ttlMs, encoding, value}}}`.
 * A record holds every key the fix wrote or deleted, as it was (type `none` when it did not
 * exist), so putting the record back is an exact undo.
 */
export const QUARANTINE_SCHEMA_VERSION = 1;

/**
 * How the bytes of a key are written in JSON: `utf8` text when every byte string of the key
 * is valid UTF-8 (readable for an engineer), `base64` otherwise (binary garbage survives
 * byte-for-byte), `dump` for a type other than string or list (base64 of its DUMP payload).
 */
export type ByteEncoding = 'utf8' | 'base64';

export type QuarantinedKey =
  | { type: 'none'; ttlMs: number; value: null }
  | { type: 'string'; ttlMs: number; encoding: ByteEncoding; value: string }
  | { type: 'list'; ttlMs: number; encoding: ByteEncoding; value: string[] }
  | { type: string; ttlMs: number; encoding: 'dump'; value: string };

export interface QuarantineRecord {
  schemaVersion: typeof QUARANTINE_SCHEMA_VERSION;
  sessionId: string;
  /** Epoch ms; equal to the key's time suffix. */
  at: number;
  /** The remediation that quarantined the data, e.g. `restore-backup`. */
  action: string;
  reason: string;
  keys: Record<string, QuarantinedKey>;
  /** Extra facts for the engineer, e.g. the indexes of the corrupt entries. */
  details?: Record<string, unknown>;
}

/** A quarantine record's key and time, as {@link listQuarantine} returns them. */
export interface QuarantineRef {
  key: string;
  at: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const base64Text = z.string().regex(BASE64, { message: 'not base64' });
const ttlMs = z.number().int().min(-2);
const byteEncoding = z.enum(['utf8', 'base64']);

const quarantinedKeySchema = z.union([
  z.object({ type: z.literal('none'), ttlMs, value: z.null() }),
  z.object({ type: z.literal('string'), ttlMs, encoding: byteEncoding, value: z.string() }),
  z.object({ type: z.literal('list'), ttlMs, encoding: byteEncoding, value: z.array(z.string()).min(1) }),
  z.object({ type: z.string().min(1), ttlMs, encoding: z.literal('dump'), value: base64Text }),
]);

const recordSchema = z.object({
  schemaVersion: z.literal(QUARANTINE_SCHEMA_VERSION),
  sessionId: z.string().min(1),
  at: z.number().int().nonnegative(),
  action: z.string(),
  reason: z.string(),
  keys: z.record(z.string(), quarantinedKeySchema),
  details: z.record(z.string(), z.unknown()).optional(),
});

function encodingFor(buffers: readonly Buffer[]): ByteEncoding {
  return buffers.every((b) => isUtf8(b)) ? 'utf8' : 'base64';
}

function decode(text: string, encoding: ByteEncoding): Buffer {
  if (encoding === 'base64' && !BASE64.test(text)) throw new CoreError('CORRUPT_DATA', 'quarantine record holds invalid base64');
  return Buffer.from(text, encoding);
}

/** The JSON form of a snapshot, lossless: {@link quarantinedToSnapshot} gives the same bytes back. */
export function snapshotToQuarantined(snapshot: KeySnapshot): QuarantinedKey {
  switch (snapshot.form) {
    case 'absent':
      return { type: 'none', ttlMs: PTTL_MISSING, value: null };
    case 'string': {
      const encoding = encodingFor([snapshot.value]);
      return { type: 'string', ttlMs: snapshot.ttlMs, encoding, value: snapshot.value.toString(encoding) };
    }
    case 'list': {
      const encoding = encodingFor(snapshot.entries);
      return { type: 'list', ttlMs: snapshot.ttlMs, encoding, value: snapshot.entries.map((e) => e.toString(encoding)) };
    }
    case 'dump':
      return { type: snapshot.type, ttlMs: snapshot.ttlMs, encoding: 'dump', value: snapshot.payload.toString('base64') };
  }
}

/** Decodes one quarantined key back into the snapshot it was made from. */
export function quarantinedToSnapshot(key: string, q: QuarantinedKey): KeySnapshot {
  if (q.value === null) return { key, type: 'none', ttlMs: PTTL_MISSING, form: 'absent' };
  if (q.encoding === 'dump') return { key, type: q.type, ttlMs: q.ttlMs, form: 'dump', payload: decode(q.value, 'base64') };
  if (q.type === 'string' && typeof q.value === 'string') {
    return { key, type: 'string', ttlMs: q.ttlMs, form: 'string', value: decode(q.value, q.encoding) };
  }
  if (q.type === 'list' && Array.isArray(q.value)) {
    const encoding = q.encoding;
    return { key, type: 'list', ttlMs: q.ttlMs, form: 'list', entries: q.value.map((e) => decode(e, encoding)) };
  }
  throw new CoreError('CORRUPT_DATA', `quarantined key ${key} has an unknown shape`);
}

/** What a record says besides its pre-images. */
export interface QuarantineRecordHead {
  sessionId: SessionId;
  at: number;
  action: string;
  reason: string;
  details?: Record<string, unknown>;
}

/** Builds a record from the pre-images of the keys a fix is about to write or delete. */
export function buildQuarantineRecord(input: QuarantineRecordHead & { snapshots: readonly KeySnapshot[] }): QuarantineRecord {
  const keys: Record<string, QuarantinedKey> = {};
  for (const s of input.snapshots) keys[s.key] = snapshotToQuarantined(s);
  return { ...quarantineRecordHead(input), keys };
}

/**
 * The record without its `keys`, for the fleet's script (applySessionRepair-7.lua), which
 * copies the pre-images itself from the bytes it has just checked, in the same encoding
 * {@link snapshotToQuarantined} gives UTF-8 text (see {@link preImagesCopyableByScript}).
 */
export function quarantineRecordHead(input: QuarantineRecordHead): Omit<QuarantineRecord, 'keys'> {
  const head: Omit<QuarantineRecord, 'keys'> = {
    schemaVersion: QUARANTINE_SCHEMA_VERSION,
    sessionId: input.sessionId,
    at: input.at,
    action: input.action,
    reason: input.reason,
  };
  if (input.details) head.details = input.details;
  return head;
}

/**
 * True when the script can write these pre-images itself: absent keys, and strings and lists
 * whose every byte string is valid UTF-8 (their `utf8` encoding is the JSON string of the
 * bytes). Other bytes need base64 and other types DUMP: the client builds those records.
 */
export function preImagesCopyableByScript(snapshots: readonly KeySnapshot[]): boolean {
  return snapshots.every((s) => s.form === 'absent' || (s.form === 'string' && isUtf8(s.value)) || (s.form === 'list' && s.entries.every((e) => isUtf8(e))));
}

/** Parses and validates a stored record; anything else is CoreError CORRUPT_DATA. */
export function parseQuarantineRecord(raw: Buffer | string): QuarantineRecord {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new CoreError('CORRUPT_DATA', 'quarantine record is not JSON', { cause: err });
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    throw new CoreError('CORRUPT_DATA', `quarantine record is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data as QuarantineRecord;
}

/** Reads one record. Throws CoreError NOT_FOUND when it expired or never existed. */
export async function readQuarantine(redis: RedisClient, key: string): Promise<QuarantineRecord> {
  const raw = await redis.getBuffer(key);
  if (raw === null) {
    throw new CoreError('NOT_FOUND', `quarantine record ${key} does not exist`, {
      suggestion: 'records are kept 7 days; list the session\'s records with listQuarantine',
    });
  }
  return parseQuarantineRecord(raw);
}

async function scanNode(node: Redis, pattern: string, count: number, found: Set<string>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    for (const key of keys) found.add(key);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * The session's quarantine records, oldest first. SCANs every master of a cluster (SCAN is
 * per node). The pattern of session `a` also matches the keys of session `a:1`; those are
 * dropped by parsing each key back.
 */
export async function listQuarantine(
  redis: RedisClient,
  layout: KeyLayout,
  sessionId: SessionId,
  opts: { scanCount?: number } = {},
): Promise<QuarantineRef[]> {
  if (isClusterClient(redis) && (redis as Cluster).status !== 'ready') await waitReady(redis as Cluster);
  const nodes = isClusterClient(redis) ? (redis as Cluster).nodes('master') : [redis as Redis];
  const found = new Set<string>();
  const pattern = quarantineScanPattern(layout, sessionId);
  await Promise.all(nodes.map((node) => scanNode(node, pattern, opts.scanCount ?? 1000, found)));
  const refs: QuarantineRef[] = [];
  for (const key of found) {
    const parsed = parseQuarantineKey(layout, key);
    if (parsed?.sessionId === sessionId) refs.push({ key, at: parsed.epochMs });
  }
  return refs.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));
}
