import { sessionKeys, type KeyLayout } from '../keys.js';
import { PTTL_MISSING, type RedisKeyType, type RedisPipeline } from '../redis-types.js';
import type { SessionId } from '../session-id.js';
import type { KeySnapshot } from './key-snapshot.js';

/**
 * The raw data that decides a session's health: the turns list and the backup string, as
 * bytes, with their types and TTLs. Built either from snapshots (one session, read in full)
 * or from pipeline replies (the fleet scanner, many sessions per round trip, capped).
 */
export interface RawSession {
  sessionId: string;
  turns: {
    key: string;
    type: RedisKeyType;
    /** PTTL: -2 absent, -1 no expiry. */
    ttlMs: number;
    /** LLEN (0 when absent or not a list). */
    length: number;
    /** The entries read, oldest first; fewer than `length` when the read was capped. */
    entries: Buffer[];
  };
  backup: {
    key: string;
    type: RedisKeyType;
    ttlMs: number;
    /** The string's bytes; null when absent or not a string. */
    value: Buffer | null;
  };
}

/** Builds the raw view from full snapshots of the turns and backup keys. */
export function rawSessionFromSnapshots(sessionId: string, turns: KeySnapshot, backup: KeySnapshot): RawSession {
  const entries = turns.form === 'list' ? turns.entries : [];
  return {
    sessionId,
    turns: { key: turns.key, type: turns.type, ttlMs: turns.ttlMs, length: entries.length, entries },
    backup: { key: backup.key, type: backup.type, ttlMs: backup.ttlMs, value: backup.form === 'string' ? backup.value : null },
  };
}

/** Number of replies {@link addRawSessionReads} adds to a pipeline for one session. */
export const RAW_SESSION_REPLY_COUNT = 7;

/** Default cap on entries fetched per session by the scanner's pipeline. */
export const DEFAULT_SCAN_MAX_ENTRIES = 2000;

/**
 * Queues on `pipeline` the reads that fetch one session's raw data, in this order:
 * TYPE, PTTL, LLEN, LRANGE 0..maxEntries-1 (as Buffers) of the turns key; TYPE, PTTL, GET
 * (as Buffer) of the backup key. A wrong-typed key only makes its own reply an error (the
 * pipeline goes on), which {@link rawSessionFromReplies} reads as "wrong type". In a cluster
 * without hash tags the two keys are in different slots: group by node, or use two pipelines.
 */
export function addRawSessionReads(
  pipeline: RedisPipeline,
  layout: KeyLayout,
  sessionId: SessionId,
  opts: { maxEntries?: number } = {},
): RedisPipeline {
  const keys = sessionKeys(layout, sessionId);
  const max = opts.maxEntries ?? DEFAULT_SCAN_MAX_ENTRIES;
  return pipeline
    .type(keys.turns)
    .pttl(keys.turns)
    .llen(keys.turns)
    .lrangeBuffer(keys.turns, 0, max - 1)
    .type(keys.backup)
    .pttl(keys.backup)
    .getBuffer(keys.backup);
}

type Reply = [Error | null, unknown];

function ok(reply: Reply | undefined): unknown {
  if (!reply) throw new Error('bug: fewer replies than addRawSessionReads queued');
  return reply[0] ? undefined : reply[1];
}

/**
 * Turns the {@link RAW_SESSION_REPLY_COUNT} replies of one session (as sliced from
 * `pipeline.exec()`) into a {@link RawSession}. Errors other than the expected WRONGTYPE on
 * TYPE/PTTL (a server failure) are rethrown: a verdict must not be built on a missing read.
 */
export function rawSessionFromReplies(layout: KeyLayout, sessionId: SessionId, replies: readonly Reply[]): RawSession {
  const keys = sessionKeys(layout, sessionId);
  for (const index of [0, 1, 4, 5]) {
    const err = replies[index]?.[0];
    if (err) throw err;
  }
  const turnsType = String(ok(replies[0])) as RedisKeyType;
  const backupType = String(ok(replies[4])) as RedisKeyType;
  const entries = turnsType === 'list' ? ((ok(replies[3]) as Buffer[] | undefined) ?? []) : [];
  const length = turnsType === 'list' ? Number(ok(replies[2]) ?? entries.length) : 0;
  const backupValue = backupType === 'string' ? ((ok(replies[6]) as Buffer | null | undefined) ?? null) : null;
  return {
    sessionId,
    turns: { key: keys.turns, type: turnsType, ttlMs: Number(ok(replies[1]) ?? PTTL_MISSING), length, entries },
    backup: { key: keys.backup, type: backupType, ttlMs: Number(ok(replies[5]) ?? PTTL_MISSING), value: backupValue },
  };
}
