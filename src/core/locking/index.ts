/**
 * Scenario 5 (Agent Squad coordination deadlock): the per-session distributed lock, the
 * optimistic session-state update, the in-process request serializer, and stale-lock
 * detection for the `release-lock` remediation.
 */
export { DistributedSessionLock, DEFAULT_LOCK_TTL_MS, type LockLease, type SessionLockOptions, type AcquireOptions } from './session-lock.js';
export { newLockToken, lockHolderOf, type LockHolder } from './lock-token.js';
export { DedicatedConnectionPool, type DedicatedConnectionPoolOptions } from './connection-pool.js';
export {
  SessionStateStore,
  parseSessionState,
  type SessionState,
  type StateUpdateFn,
  type StateUpdateResult,
  type CompareAndSetResult,
  type OptimisticRetryOptions,
  type SessionStateStoreOptions,
} from './session-state.js';
export { SessionRequestSerializer } from './request-serializer.js';
export {
  inspectSessionLocks,
  inspectSessionLock,
  isStaleLock,
  forceReleaseLock,
  releaseLockIfStale,
  type LockStatus,
  type LockInspection,
  type InspectLocksOptions,
  type StaleLockOutcome,
  type StaleLockRelease,
} from './stale-locks.js';
export { jitteredBackoffMs } from './backoff.js';
