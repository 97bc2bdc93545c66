/** The core's batch repair API, as the fleet uses it (one import point for the fleet files). */
export {
  planRepairBatch,
  planRecoveryBatch,
  planRecoveryFromRead,
  readRecoveryBatch,
  type RecoveryRead,
  applyRepairBatch,
  verifyRepairBatch,
  rawSessionFromSnapshots,
  classifyRawSession,
  type BatchRepairPlan,
  type BatchApplyOutcome,
  type BatchVerification,
  type SessionRepair,
} from '../../core/sessions/index.js';
export { sessionKeys, quarantineScanPattern } from '../../core/keys.js';
