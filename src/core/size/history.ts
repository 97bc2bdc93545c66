/**
 * Puts a session's history back together from its S3 snapshot and the turns still in the
 * item, in order and without duplicates. Pure: the I/O is in compaction.ts.
 *
 * A snapshot holds the whole history as of its compaction, so its tail overlaps the turns the
 * item kept. Items written by this module say exactly where (`compacted_turn_count`); items
 * written by the seed do not (its overflow kept 5 turns but counted as if it kept 10), so when
 * the recorded position does not line up, the overlap is found by comparing turns.
 */
import { CoreError } from '../errors.js';
import { canonicalTurn, type HistorySnapshot } from './history-codec.js';
import { compactedTurnCount, itemTurns, type SessionItem, type SessionTurn } from './session-item.js';

/** How the item and its snapshot were joined. */
export type HistoryLayout = 'item-only' | 'snapshot-aligned' | 'snapshot-realigned';

export interface AssembledHistory {
  /** Every turn any store holds, oldest first. */
  turns: SessionTurn[];
  /** Turns before `turns[0]` that no store holds (a seed compaction dropped them). */
  missingTurnCount: number;
  /** How many of `turns` came only from the snapshot. */
  fromSnapshot: number;
  layout: HistoryLayout;
}

/**
 * Joins `snapshot` (or nothing, for an item never overflowed) with the item's own turns.
 * Throws `CoreError('CORRUPT_DATA')` when they cannot be joined without guessing: the
 * snapshot belongs to another session, or a stretch of history between them is missing.
 */
export function assembleHistory(item: SessionItem, snapshot: HistorySnapshot | undefined): AssembledHistory {
  const own = itemTurns(item);
  const compacted = compactedTurnCount(item);
  if (!snapshot) return { turns: [...own], missingTurnCount: compacted, fromSnapshot: 0, layout: 'item-only' };

  const sessionId = item.session_id ?? '?';
  if (snapshot.session_id !== '' && snapshot.session_id !== sessionId) {
    throw new CoreError('CORRUPT_DATA', `session ${sessionId}: overflow snapshot belongs to session ${snapshot.session_id}`);
  }
  const saved = snapshot.turns;
  const hint = compacted - snapshot.first_turn_index;
  const ownKeys = new Map<number, string>();
  const savedKeys = new Map<number, string>();
  const keyOf = (cache: Map<number, string>, turns: readonly SessionTurn[], i: number): string => {
    let k = cache.get(i);
    if (k === undefined) {
      k = canonicalTurn(turns[i] ?? {});
      cache.set(i, k);
    }
    return k;
  };
  // Does the item's first turn sit at position `at` of the snapshot?
  const alignsAt = (at: number): boolean => {
    const overlap = saved.length - at;
    if (at < 0 || overlap < 0 || overlap > own.length) return false;
    for (let i = 0; i < overlap; i++) if (keyOf(savedKeys, saved, at + i) !== keyOf(ownKeys, own, i)) return false;
    return true;
  };

  let at: number | undefined;
  let layout: HistoryLayout = 'snapshot-aligned';
  if (alignsAt(hint)) {
    at = hint;
  } else if (own.length === 0) {
    // Nothing in the item to align: the snapshot is the whole history.
    at = saved.length;
    layout = 'snapshot-realigned';
  } else {
    // The largest overlap wins; "no overlap at all" (at = length) proves nothing, so it
    // only counts when the recorded position said so.
    for (let o = Math.max(0, saved.length - own.length); o < saved.length; o++) {
      if (alignsAt(o)) {
        at = o;
        layout = 'snapshot-realigned';
        break;
      }
    }
  }
  if (at === undefined) {
    throw new CoreError(
      'CORRUPT_DATA',
      `session ${sessionId}: the item's turns do not continue its overflow snapshot (snapshot has ${saved.length} turns, item records ${compacted} compacted)`,
      { suggestion: 'inspect the snapshot and the item by hand; nothing was changed' },
    );
  }
  return {
    turns: [...saved.slice(0, at), ...own],
    missingTurnCount: snapshot.first_turn_index,
    fromSnapshot: at,
    layout,
  };
}
