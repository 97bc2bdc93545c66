import type { Turn } from '../turn.js';
import type { KeyWrite } from './key-write.js';
import type { KeySnapshot } from './key-snapshot.js';

/** The writes the session store performs; fix actions use the contract's remediation names. */
export type SessionWriteAction =
  | 'save'
  | 'restore-backup'
  | 'partial-recover'
  | 'clean-slate'
  | 'restore-quarantine'
  // On-call's quarantining repairs of routing and locks (repair-operations.ts).
  | 'clear-routing'
  | 'pin-agent'
  | 'release-lock';

/**
 * What a write did (or, with `dryRun`, would do). Every write operation returns one, whether
 * it applied or found nothing to do, so callers can audit and render without re-reading.
 */
export interface SessionWriteResult {
  sessionId: string;
  action: SessionWriteAction;
  /** False when the session already was in the target state (idempotent no-op) or on a dry run. */
  applied: boolean;
  dryRun: boolean;
  reason: string;
  /** Keys whose content was (or would be) replaced or created. */
  keysWritten: string[];
  /** Keys that were (or would be) deleted. */
  keysDeleted: string[];
  /** Keys whose content stayed but whose expiry was set. */
  ttlRefreshed: string[];
  /** The record holding the pre-images of every written or deleted key; null when nothing was written. */
  quarantineKey: string | null;
  /**
   * Every record this call wrote, oldest first. One, except when the non-atomic path had to
   * retry after a conflict; the first holds the data as it was before this call.
   */
  quarantineKeys: string[];
  /** Entries of the turns list before and after. */
  turnsBefore: number;
  turnsAfter: number;
  /** The write's outcome was checked (transaction replies, or reading back when not atomic). */
  verified: boolean;
  /** True when all keys were written in one MULTI/EXEC. */
  atomic: boolean;
  /** Optimistic attempts used (a WATCHed key changed under us on all but the last). */
  attempts: number;
}

/** What an operation decided after looking at the current data. */
export type WriteDecision =
  | { kind: 'noop'; reason: string; turnsBefore: number }
  | {
      kind: 'apply';
      reason: string;
      /** Applied in this order when not atomic: the order is the safety argument. */
      writes: KeyWrite[];
      turnsBefore: number;
      turnsAfter: number;
      /** Extra facts for the quarantine record. */
      details?: Record<string, unknown>;
      /** The turns the session holds after the write (what `load` hands back). */
      turns?: Turn[];
    };

/**
 * An operation as the executor runs it: the keys it reads (and WATCHes), and a pure decision
 * over their snapshots. The decision re-runs on every attempt, so preconditions are checked
 * against the data the write will actually replace. It may throw CoreError PRECONDITION_FAILED.
 */
export interface WriteOperation {
  action: SessionWriteAction;
  readKeys: readonly string[];
  decide(snapshots: ReadonlyMap<string, KeySnapshot>): WriteDecision;
}

/** Options shared by the fix operations. */
export interface WriteOptions {
  /** Decide and report, write nothing. */
  dryRun?: boolean;
}

/** A write's result plus, for the recovery operations, the turns it left in place. */
export interface WriteOutcome {
  result: SessionWriteResult;
  turns?: Turn[];
}
