/**
 * What a compaction would write, computed without touching any store, so that `--dry-run`,
 * `diagnose` and the writer itself share one decision.
 *
 * The seed compacted to 10 turns, then overflowed keeping 5, and never measured the result:
 * a few turns with large tool results still failed the put. Here the plan keeps the requested
 * number of recent turns if the item then fits, else 5, else fewer down to none, and says so
 * when even an item with no turns does not fit (other attributes are too large).
 */
import { CoreError } from '../errors.js';
import { SNAPSHOT_SCHEMA_VERSION, type HistorySnapshot } from './history-codec.js';
import type { AssembledHistory } from './history.js';
import { itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from './item-size.js';
import {
  compactedTurnCount,
  itemTurns,
  itemVersion,
  overflowKey,
  withoutUndefined,
  type SessionItem,
  type SessionTurn,
} from './session-item.js';
import { summarizeTurns } from './summary.js';

/** Recent turns a compaction keeps in the item. */
export const DEFAULT_RECENT_TURNS = 10;
/** Recent turns an overflow keeps (the seed's step 2). */
export const OVERFLOW_RECENT_TURNS = 5;

export interface PlanOptions {
  /** Recent turns to keep in the item; fewer are kept only when the item would not fit. Default 10. */
  recent?: number;
  /** Label of the requested operation; a plan that had to keep fewer turns is always 'overflow'. */
  mode?: 'compact' | 'overflow';
  /** Largest acceptable item, by {@link itemSizeBytes}. Default {@link SAFE_ITEM_BYTES}. */
  limitBytes?: number;
  /** Epoch-ms of the operation (names the S3 key, sets `overflow_at` and `updated_at`). */
  now?: number;
  /**
   * The whole history (from `loadFullSession`). Needed for the plan to carry a snapshot when
   * the item was compacted before; without it the plan still sizes the item, from its own turns.
   */
  history?: AssembledHistory;
  /** Plan a write even when the item already fits with few enough turns (the save path measured a larger item). */
  force?: boolean;
}

export interface CompactionPlan {
  sessionId: string;
  /** Epoch-ms the plan was made for (the snapshot key, `overflow_at`, `updated_at`). */
  at: number;
  /** 'none': nothing to do (few enough turns and the item fits). */
  action: 'none' | 'compact' | 'overflow';
  /** False when even an item with no turns exceeds the limit: nothing may be written. */
  fits: boolean;
  totalTurns: number;
  recentRequested: number;
  keptTurns: number;
  compactedTurnCount: number;
  bytesBefore: number;
  bytesAfter: number;
  limitBytes: number;
  /** Bytes left below DynamoDB's hard limit (400 KB) after the write. */
  headroomBytes: number;
  /** The version the write will be conditional on (undefined: the item has none). */
  expectedVersion: number | undefined;
  /** The item as it would be written. */
  nextItem: SessionItem;
  /** The S3 snapshot as it would be written; undefined when the plan was made without the full history. */
  snapshot: HistorySnapshot | undefined;
}

function candidateCounts(recent: number, available: number): number[] {
  const counts = [Math.min(recent, available)];
  for (let n = Math.min(OVERFLOW_RECENT_TURNS, recent - 1, available); n >= 0; n--) counts.push(n);
  return [...new Set(counts)];
}

/**
 * Plans the compaction of `item` (pure). See {@link PlanOptions}.
 *
 * @throws CoreError('CORRUPT_DATA') when the item has no session_id or malformed counters.
 */
export function planCompaction(item: SessionItem, opts: PlanOptions = {}): CompactionPlan {
  const sessionId = item.session_id;
  if (typeof sessionId !== 'string' || sessionId === '') throw new CoreError('CORRUPT_DATA', 'session item without session_id');
  const recent = Math.max(0, Math.floor(opts.recent ?? DEFAULT_RECENT_TURNS));
  const limitBytes = opts.limitBytes ?? SAFE_ITEM_BYTES;
  const now = opts.now ?? Date.now();
  const own = itemTurns(item);
  const expectedVersion = itemVersion(item);
  // Without the history only the item's own turns can be moved; a preview, never written.
  const known: SessionTurn[] = opts.history ? opts.history.turns : own;
  const before = opts.history ? opts.history.missingTurnCount : compactedTurnCount(item);
  const totalTurns = before + known.length;
  const bytesBefore = itemSizeBytes(item);

  const build = (kept: number): SessionItem =>
    withoutUndefined({
      ...item,
      session_id: sessionId,
      turns: known.slice(known.length - kept),
      turn_count: totalTurns,
      history_summary: summarizeTurns(known.slice(0, known.length - kept), {
        lostTurns: opts.history ? before : 0,
        previousSummary: item.history_summary,
      }),
      compacted_turn_count: totalTurns - kept,
      s3_overflow_key: overflowKey(sessionId, now),
      overflow_at: now,
      updated_at: now,
      version: (expectedVersion ?? 0) + 1,
    });

  const base = {
    sessionId,
    at: now,
    totalTurns,
    recentRequested: recent,
    bytesBefore,
    limitBytes,
    expectedVersion,
    snapshot: opts.history
      ? { schemaVersion: SNAPSHOT_SCHEMA_VERSION, session_id: sessionId, first_turn_index: before, source_version: expectedVersion ?? null, turns: known }
      : undefined,
  };
  if (!opts.force && own.length <= recent && bytesBefore <= limitBytes) {
    return {
      ...base,
      action: 'none',
      fits: true,
      keptTurns: own.length,
      compactedTurnCount: compactedTurnCount(item),
      bytesAfter: bytesBefore,
      headroomBytes: MAX_ITEM_BYTES - bytesBefore,
      nextItem: item,
    };
  }
  let chosen: { kept: number; next: SessionItem; bytes: number } | undefined;
  for (const kept of candidateCounts(recent, known.length)) {
    const next = build(kept);
    chosen = { kept, next, bytes: itemSizeBytes(next) };
    if (chosen.bytes <= limitBytes) break;
  }
  // candidateCounts always yields at least one count (0 when nothing is available).
  const { kept, next, bytes } = chosen!;
  return {
    ...base,
    action: kept >= Math.min(recent, known.length) && opts.mode !== 'overflow' ? 'compact' : 'overflow',
    fits: bytes <= limitBytes,
    keptTurns: kept,
    compactedTurnCount: totalTurns - kept,
    bytesAfter: bytes,
    headroomBytes: MAX_ITEM_BYTES - bytes,
    nextItem: next,
  };
}
