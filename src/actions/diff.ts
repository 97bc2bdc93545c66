/**
 * The plan as a data diff: each key a fix writes or deletes, with its type, entries, bytes
 * and TTL before and after, the session's turn count, and for DynamoDB the item's size and
 * headroom under 400 KB. Numbers only: the diff is safe to print and to put in JSON.
 */
import type { KeySnapshot } from '../core/sessions/index.js';
import type { KeyWrite } from '../core/sessions/key-write.js';
import type { WriteDecision } from '../core/sessions/types.js';
import type { DataDiff, DiffEntry, KeyFacts } from './types.js';

/** Facts of a Redis key as read; null when it does not exist. */
export function factsOfSnapshot(s: KeySnapshot | undefined): KeyFacts | null {
  if (!s || s.form === 'absent') return null;
  switch (s.form) {
    case 'string':
      return { type: 'string', bytes: s.value.length, ttlMs: s.ttlMs };
    case 'list':
      return { type: 'list', entries: s.entries.length, bytes: s.entries.reduce((n, e) => n + e.length, 0), ttlMs: s.ttlMs };
    case 'dump':
      return { type: s.type, bytes: s.payload.length, ttlMs: s.ttlMs };
  }
}

/** Facts of a key after `write` (the TTL the write sets). */
export function factsAfterWrite(write: KeyWrite, before: KeyFacts | null): KeyFacts | null {
  switch (write.op) {
    case 'delete':
      return null;
    case 'list':
      return write.entries.length === 0 ? null : { type: 'list', entries: write.entries.length, bytes: write.entries.reduce((n, e) => n + e.length, 0), ttlMs: write.ttlMs };
    case 'string':
      return { type: 'string', bytes: write.value.length, ttlMs: write.ttlMs };
    case 'restore-dump':
      return { type: write.type, bytes: write.payload.length, ttlMs: write.ttlMs };
    case 'expire':
      return before ? { ...before, ttlMs: write.ttlMs } : null;
  }
}

/** The diff of a Redis repair decided on `snapshots`. */
export function redisDiff(snapshots: ReadonlyMap<string, KeySnapshot>, decision: WriteDecision, withTurns: boolean): DataDiff {
  const writes = decision.kind === 'apply' ? decision.writes : [];
  const entries: DiffEntry[] = writes.map((w) => {
    const before = factsOfSnapshot(snapshots.get(w.key));
    const after = factsAfterWrite(w, before);
    const change: DiffEntry['change'] = w.op === 'delete' ? 'delete' : w.op === 'expire' ? 'expire' : before === null ? 'create' : 'write';
    return { store: 'redis', key: w.key, change, before, after };
  });
  return {
    entries,
    turns: withTurns ? { before: decision.turnsBefore, after: decision.kind === 'apply' ? decision.turnsAfter : decision.turnsBefore } : null,
    item: null,
    written: entries.filter((e) => e.change === 'write' || e.change === 'create' || e.change === 'expire').map((e) => e.key),
    deleted: entries.filter((e) => e.change === 'delete').map((e) => e.key),
  };
}

/** An empty diff (a refusal or a no-op). */
export function emptyDiff(): DataDiff {
  return { entries: [], turns: null, item: null, written: [], deleted: [] };
}
