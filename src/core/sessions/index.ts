/**
 * Sessions (scenario 1): load with recovery, save with backup, repair with quarantine.
 * See docs/ARCHITECTURE.md, "Sessions (scenario 1)".
 */
export { SessionStore, type SessionStoreOptions, type SessionLoadResult, type SessionInspection, type LoadSource } from './store.js';
export {
  classifyRawSession,
  analyzeEntries,
  analyzeBackup,
  MAX_LISTED_INVALID_INDEXES,
  type SessionClassification,
  type SessionHealthStatus,
  type BackupHealth,
  type RecoveryAction,
  type PrimaryAnalysis,
  type BackupAnalysis,
  type EntryProblemCounts,
} from './classify.js';
export {
  addRawSessionReads,
  rawSessionFromReplies,
  rawSessionFromSnapshots,
  RAW_SESSION_REPLY_COUNT,
  DEFAULT_SCAN_MAX_ENTRIES,
  type RawSession,
} from './raw-session.js';
export { readKeySnapshot, readKeySnapshots, readListInChunks, sameContent, type KeySnapshot } from './key-snapshot.js';
export { CLEAN_SLATE_KINDS } from './operations.js';
export { hashSlot } from './hash-slot.js';
export { keyFingerprint, sessionFingerprint } from './fingerprint.js';
export { repairOperation, guardedByFingerprint, type SessionRepair } from './repair-operations.js';
export type { SessionRepairPlan } from './repair.js';
export {
  planRepairBatch,
  applyRepairBatch,
  verifyRepairBatch,
  type BatchRepairPlan,
  type BatchApplyOutcome,
  type BatchVerification,
  type BatchRepairOptions,
  type BeforeApply,
} from './batch-repair.js';
export { planRecoveryBatch, planRecoveryFromRead, readRecoveryBatch, type RecoveryRead } from './batch-recovery.js';
export type { SessionWriteResult, SessionWriteAction, WriteOptions } from './types.js';
