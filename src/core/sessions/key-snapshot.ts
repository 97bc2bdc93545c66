import { CoreError } from '../errors.js';
import { PTTL_MISSING, redisErrorCode, type RedisClient, type RedisKeyType } from '../redis-types.js';

/**
 * The exact content of one key at one moment: its type, remaining TTL and bytes. Strings and
 * lists (the types a session uses) are kept as their raw bytes; any other type (a hash or
 * set where a list belongs) is kept as its `DUMP` payload, which `RESTORE` puts back
 * byte-for-byte without this code having to understand it.
 */
export type KeySnapshot = { key: string; type: RedisKeyType; ttlMs: number } & (
  | { form: 'absent' }
  | { form: 'string'; value: Buffer }
  | { form: 'list'; entries: Buffer[] }
  | { form: 'dump'; payload: Buffer }
);

/** How many list entries one LRANGE returns, and how many LRANGEs go in one round trip. */
export interface ReadTuning {
  chunkSize: number;
  chunksPerRoundTrip?: number;
}

const DEFAULT_CHUNKS_PER_ROUND_TRIP = 8;

/**
 * Reads a list in LRANGE chunks: one giant `LRANGE 0 -1` of a 100,000-entry list blocks
 * the server for every other client and builds one huge reply. Stops at the first short
 * chunk, so a list that grows while it is read is read to its current end.
 */
export async function readListInChunks(conn: RedisClient, key: string, tuning: ReadTuning): Promise<Buffer[]> {
  const { chunkSize } = tuning;
  const perTrip = tuning.chunksPerRoundTrip ?? DEFAULT_CHUNKS_PER_ROUND_TRIP;
  const entries: Buffer[] = [];
  for (let start = 0; ; start += chunkSize * perTrip) {
    const pipeline = conn.pipeline();
    for (let i = 0; i < perTrip; i++) pipeline.lrangeBuffer(key, start + i * chunkSize, start + (i + 1) * chunkSize - 1);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err, chunk] of replies) {
      if (err) throw err;
      const buffers = chunk as Buffer[];
      for (const entry of buffers) entries.push(entry);
      if (buffers.length < chunkSize) return entries;
    }
  }
}

async function readOnce(conn: RedisClient, key: string, tuning: ReadTuning): Promise<KeySnapshot | null> {
  const head = await conn.pipeline().type(key).pttl(key).exec();
  const [typeReply, ttlReply] = head ?? [];
  if (typeReply?.[0]) throw typeReply[0];
  if (ttlReply?.[0]) throw ttlReply[0];
  const type = String(typeReply?.[1]) as RedisKeyType;
  const ttlMs = Number(ttlReply?.[1]);
  try {
    if (type === 'none') return { key, type, ttlMs: PTTL_MISSING, form: 'absent' };
    if (type === 'string') {
      const value = await conn.getBuffer(key);
      return value === null ? null : { key, type, ttlMs, form: 'string', value };
    }
    if (type === 'list') {
      const entries = await readListInChunks(conn, key, tuning);
      return entries.length === 0 ? null : { key, type, ttlMs, form: 'list', entries };
    }
    const payload = await conn.dumpBuffer(key);
    return payload === null ? null : { key, type, ttlMs, form: 'dump', payload };
  } catch (err) {
    // The key changed type between TYPE and the read: report "changed", let the caller retry.
    if (redisErrorCode(err) === 'WRONGTYPE') return null;
    throw err;
  }
}

/**
 * Snapshots one key. Retries when the key changes type or vanishes between `TYPE` and the
 * read; a key that keeps changing is reported as a PRECONDITION_FAILED rather than guessed.
 */
export async function readKeySnapshot(conn: RedisClient, key: string, tuning: ReadTuning): Promise<KeySnapshot> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const snapshot = await readOnce(conn, key, tuning);
    if (snapshot) return snapshot;
  }
  throw new CoreError('PRECONDITION_FAILED', `key ${key} kept changing while it was read`, {
    suggestion: 'another writer is active on this session: retry in a moment',
  });
}

/** Snapshots several keys concurrently (in a cluster each read is routed to its own node). */
export async function readKeySnapshots(
  conn: RedisClient,
  keys: readonly string[],
  tuning: ReadTuning,
): Promise<Map<string, KeySnapshot>> {
  const snapshots = await Promise.all(keys.map((key) => readKeySnapshot(conn, key, tuning)));
  return new Map(snapshots.map((s) => [s.key, s]));
}

function sameBuffers(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry.equals(b[i] as Buffer));
}

/** Same type and same bytes; TTLs are not compared (they tick down between two reads). */
export function sameContent(a: KeySnapshot, b: KeySnapshot): boolean {
  if (a.form !== b.form || a.type !== b.type) return false;
  switch (a.form) {
    case 'absent':
      return true;
    case 'string':
      return a.value.equals((b as typeof a).value);
    case 'list':
      return sameBuffers(a.entries, (b as typeof a).entries);
    case 'dump':
      return a.payload.equals((b as typeof a).payload);
  }
}

/** Number of entries of a turns-list snapshot (0 when absent or not a list). */
export function listLength(snapshot: KeySnapshot | undefined): number {
  return snapshot?.form === 'list' ? snapshot.entries.length : 0;
}
