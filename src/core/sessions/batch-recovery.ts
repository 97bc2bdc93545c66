/**
 * Scenario 1 for a fleet: the core's classification chooses each session's repair, from the
 * same pipelined read the repair is then planned on (see batch-repair.ts).
 */
import type { Redis } from 'ioredis';
import { CoreError } from '../errors.js';
import { sessionKeys, type SessionKeys } from '../keys.js';
import type { SessionId } from '../session-id.js';
import { planRepairBatch, readKeys, batchDecision, type BatchRepairOptions, type BatchRepairPlan } from './batch-repair.js';
import type { KeySnapshot } from './key-snapshot.js';
import { classifyRawSession, releaseVerdicts } from './classify.js';
import { sessionFingerprint } from './fingerprint.js';
import { rawSessionFromSnapshots } from './raw-session.js';
import { repairOperation, type SessionRepair } from './repair-operations.js';

/**
 * Scenario 1 for many sessions from one read: reads each session's turns and backup, lets
 * the core's classification pick the repair (`recommendedAction`), and plans it on the same
 * snapshots; only the sessions that need a clean slate are read again (state, routes, pin).
 * Healthy and empty sessions are left out and counted.
 */
export async function planRecoveryBatch(redis: Redis, ids: readonly SessionId[], opts: BatchRepairOptions & { only?: SessionRepair['action'] }): Promise<{ plans: BatchRepairPlan[]; healthy: number }> {
  return planRecoveryFromRead(redis, await readRecoveryBatch(redis, ids, opts), opts);
}

/** What {@link readRecoveryBatch} read: the sessions' turns lists and backups. */
export interface RecoveryRead {
  ids: readonly SessionId[];
  keys: SessionKeys[];
  snapshots: Map<string, KeySnapshot | null>;
}

/**
 * The read half of {@link planRecoveryBatch}, so a caller can have the next batch read while
 * it plans this one. No PTTLs: neither the classification's choice nor the repairs depend on
 * them (the script reads them for the quarantine record), and they would be half the commands.
 */
export async function readRecoveryBatch(redis: Redis, ids: readonly SessionId[], opts: Pick<BatchRepairOptions, 'layout'>): Promise<RecoveryRead> {
  const keys = ids.map((id) => sessionKeys(opts.layout, id));
  return { ids, keys, snapshots: await readKeys(redis, keys.flatMap((k) => [k.turns, k.backup]), { withTtl: false }) };
}

/** The planning half of {@link planRecoveryBatch}, on a read of {@link readRecoveryBatch}; `redis` reads again only for clean slates. */
export async function planRecoveryFromRead(redis: Redis, batch: RecoveryRead, opts: BatchRepairOptions & { only?: SessionRepair['action'] }): Promise<{ plans: BatchRepairPlan[]; healthy: number }> {
  const { ids, keys: keysOf, snapshots: read } = batch;
  const plans: BatchRepairPlan[] = [];
  const slate: SessionId[] = [];
  let healthy = 0;
  ids.forEach((sessionId, i) => {
    const k = keysOf[i]!;
    const turns = read.get(k.turns) ?? null;
    const backup = read.get(k.backup) ?? null;
    if (!turns || !backup) {
      plans.push({ sessionId, repair: { action: opts.only ?? 'clean-slate' } as SessionRepair, status: 'unsupported', reason: 'a key of another type than list or string' });
      return;
    }
    // Every path out of here has finished with the parsed turns: let them go young.
    try {
      planOne(sessionId, k, turns, backup);
    } finally {
      releaseVerdicts(turns.form === 'list' ? turns.entries : null, backup.form === 'string' ? backup.value : null);
    }
  });
  function planOne(sessionId: SessionId, k: SessionKeys, turns: KeySnapshot, backup: KeySnapshot): void {
    const classification = classifyRawSession(rawSessionFromSnapshots(sessionId, turns, backup));
    const chosen = classification.recommendedAction;
    if (chosen === null) {
      healthy++;
      return;
    }
    const action = opts.only ?? chosen;
    if (action !== 'restore-backup' && action !== 'partial-recover') {
      if (action === 'clean-slate') slate.push(sessionId);
      else plans.push({ sessionId, repair: { action } as SessionRepair, status: 'refused', error: new CoreError('PRECONDITION_FAILED', `${action} is not a scenario-1 repair`) });
      return;
    }
    const op = repairOperation(k, { action }, opts.ttlSeconds * 1000);
    const snapshots = new Map([[k.turns, turns], [k.backup, backup]]);
    try {
      plans.push({ sessionId, repair: { action }, status: 'planned', readKeys: [...op.readKeys], snapshots, decision: batchDecision(op.decide(snapshots)), fingerprint: sessionFingerprint(snapshots, op.readKeys) });
    } catch (err) {
      if (!(err instanceof CoreError)) throw err;
      plans.push({ sessionId, repair: { action }, status: 'refused', error: err });
    }
  }
  if (slate.length > 0) plans.push(...(await planRepairBatch(redis, slate.map((sessionId) => ({ sessionId, repair: { action: 'clean-slate' } })), opts)));
  return { plans, healthy };
}
