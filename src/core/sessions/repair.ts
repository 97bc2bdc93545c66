/**
 * Plan-then-apply for on-call repairs: `planSessionRepair` reads the keys a repair depends on
 * and returns what it would do plus a fingerprint of what it read; `applySessionRepair` runs
 * the repair through the executor (quarantine and write in one MULTI/EXEC) only if the keys
 * still fingerprint the same. Between the two an engineer reads the plan and confirms.
 */
import type { SessionId } from '../session-id.js';
import type { StoreContext } from './context.js';
import { executeWrite } from './executor.js';
import { sessionFingerprint } from './fingerprint.js';
import { readKeySnapshots, type KeySnapshot } from './key-snapshot.js';
import { sessionKeys } from '../keys.js';
import { guardedByFingerprint, repairOperation, type SessionRepair } from './repair-operations.js';
import type { SessionWriteResult, WriteDecision, WriteOptions } from './types.js';

/** What a repair would do to the session as it is now. */
export interface SessionRepairPlan {
  sessionId: string;
  repair: SessionRepair;
  /** The keys the repair reads (and WATCHes when applied), in order. */
  readKeys: string[];
  /** Their content and TTL as read: the "before" of the plan's data diff. */
  snapshots: Map<string, KeySnapshot>;
  /** The decision on that data. A refusal (PRECONDITION_FAILED, LOCK_HELD) is thrown instead. */
  decision: WriteDecision;
  /** The precondition to pass to {@link applySessionRepair}. */
  fingerprint: string;
}

/**
 * Reads and decides, writes nothing. Throws the repair's refusal (CoreError
 * PRECONDITION_FAILED or LOCK_HELD) when it does not apply to the session as it is.
 */
export async function planSessionRepair(ctx: StoreContext, id: SessionId, repair: SessionRepair): Promise<SessionRepairPlan> {
  const op = repairOperation(sessionKeys(ctx.layout, id), repair, ctx.ttlSeconds * 1000);
  const snapshots = await readKeySnapshots(ctx.redis, op.readKeys, ctx.read);
  const decision = op.decide(snapshots);
  return { sessionId: id, repair, readKeys: [...op.readKeys], snapshots, decision, fingerprint: sessionFingerprint(snapshots, op.readKeys) };
}

/**
 * Applies a repair. With `expectFingerprint` (from the plan), refuses with CoreError
 * PRECONDITION_FAILED when the keys changed since; the check and the write are atomic (see
 * `guardedByFingerprint`). Idempotent: when the session is already repaired the result says
 * `applied: false` and nothing is written.
 */
export async function applySessionRepair(
  ctx: StoreContext,
  id: SessionId,
  repair: SessionRepair,
  opts: WriteOptions & { expectFingerprint?: string } = {},
): Promise<SessionWriteResult> {
  const op = repairOperation(sessionKeys(ctx.layout, id), repair, ctx.ttlSeconds * 1000);
  const run = opts.expectFingerprint === undefined ? op : guardedByFingerprint(op, opts.expectFingerprint);
  return (await executeWrite(ctx, id, run, { dryRun: opts.dryRun === true })).result;
}
