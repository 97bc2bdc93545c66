/**
 * Session size (scenario 4): DynamoDB's item-size rules, and compaction/overflow to S3 that
 * loses nothing. See docs/ARCHITECTURE.md, "Session size (scenario 4)".
 */
export {
  MAX_ITEM_BYTES,
  ITEM_SIZE_HEADROOM_BYTES,
  SAFE_ITEM_BYTES,
  itemSizeBytes,
  attributeMapSizeBytes,
  attributeValueSizeBytes,
  numberSizeBytes,
  utf8Bytes,
  type NativeItem,
} from './item-size.js';
export { type SessionItem, type SessionTurn, overflowKey, overflowPrefix } from './session-item.js';
export { summarizeTurns, truncateGraphemes, truncateUtf8, SUMMARY_MAX_BYTES } from './summary.js';
export { encodeSnapshot, decodeSnapshot, type HistorySnapshot } from './history-codec.js';
export { assembleHistory, type AssembledHistory, type HistoryLayout } from './history.js';
export { planCompaction, DEFAULT_RECENT_TURNS, OVERFLOW_RECENT_TURNS, type CompactionPlan, type PlanOptions } from './plan.js';
export { OverflowStore, type SnapshotWrite } from './overflow-store.js';
export { SessionVersionConflictError } from './errors.js';
export {
  SessionSizeManager,
  type SessionSizeDeps,
  type FullSession,
  type CompactionResult,
  type SaveResult,
  type CompactionPrecondition,
} from './compaction.js';
export { encodeTagged, decodeTagged } from './history-codec.js';
