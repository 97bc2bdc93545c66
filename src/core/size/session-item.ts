/**
 * The `manga_sessions` item as the contract (section 5) lays it out, read and written through
 * lib-dynamodb as plain JavaScript values.
 *
 * Invariant kept by every write in this module: `turns` holds the turns that follow the first
 * `compacted_turn_count` turns of the history, and `s3_overflow_key` names an S3 snapshot
 * holding (at least) those first turns. Items written by the seed's SessionSizeManager break
 * it (its overflow kept 5 turns but recorded `compacted_turn_count` as if it kept 10, and its
 * compaction kept no copy at all); the read path in history.ts copes with both.
 */
import { CoreError } from '../errors.js';

/** One turn: `{role, content, agent_name?, ts, tool_calls?}`; other fields are kept as they are. */
export interface SessionTurn {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly agent_name?: unknown;
  readonly ts?: unknown;
  readonly tool_calls?: unknown;
  readonly [field: string]: unknown;
}

/** A `manga_sessions` item. Attributes this module does not know are carried through untouched. */
export interface SessionItem {
  session_id?: string;
  turns?: SessionTurn[];
  turn_count?: number;
  history_summary?: string;
  compacted_turn_count?: number;
  s3_overflow_key?: string;
  /** epoch-ms of the last compaction (the seed wrote epoch seconds: read both, write ms). */
  overflow_at?: number;
  created_at?: number;
  updated_at?: number;
  /** Incremented by every write; writes are conditional on the version they read. */
  version?: number;
  [attribute: string]: unknown;
}

/** The turns stored in the item itself (after the compacted ones). */
export function itemTurns(item: SessionItem): SessionTurn[] {
  const turns = item.turns;
  if (turns === undefined) return [];
  if (!Array.isArray(turns)) throw new CoreError('CORRUPT_DATA', `session ${item.session_id ?? '?'}: turns is not a list`);
  return turns;
}

/** How many turns precede the item's own turns in the history (0 when never compacted). */
export function compactedTurnCount(item: SessionItem): number {
  const raw = item.compacted_turn_count;
  if (raw === undefined || raw === null) return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CoreError('CORRUPT_DATA', `session ${item.session_id ?? '?'}: compacted_turn_count ${String(raw)} is not a count`);
  }
  return n;
}

/** The version a conditional write must find, or undefined for an item written without one. */
export function itemVersion(item: SessionItem): number | undefined {
  const raw = item.version;
  if (raw === undefined || raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new CoreError('CORRUPT_DATA', `session ${item.session_id ?? '?'}: version ${String(raw)} is not an integer`);
  return n;
}

/** A copy without top-level `undefined` attributes, so any DocumentClient configuration can write it. */
export function withoutUndefined(item: SessionItem): SessionItem {
  const out: SessionItem = {};
  for (const [k, v] of Object.entries(item)) if (v !== undefined) out[k] = v;
  return out;
}

/** The S3 key of a history snapshot (contract section 5). */
export function overflowKey(sessionId: string, epochMs: number): string {
  return `${overflowPrefix(sessionId)}${epochMs}.json`;
}

/** The S3 prefix under which a session's snapshots live. */
export function overflowPrefix(sessionId: string): string {
  return `sessions/${sessionId}/`;
}
