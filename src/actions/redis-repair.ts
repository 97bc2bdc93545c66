/**
 * What the six Redis remediations share: plan with the core's `planRepair` (its decision on
 * the data as read, plus a fingerprint), apply with `repair` (quarantine record and write in
 * one MULTI/EXEC, only if the fingerprint still holds), verify by reading the written keys
 * back, undo with `restoreFromQuarantine` (only if the session is still as the fix left it).
 * Each action file supplies the repair to run and its own extra checks.
 */
import { CoreError } from '../core/errors.js';
import { quarantineScanPattern, sessionKeys } from '../core/keys.js';
import type { SessionId } from '../core/session-id.js';
import { readKeySnapshots, sameContent, sessionFingerprint, type KeySnapshot, type SessionRepair, type SessionRepairPlan } from '../core/sessions/index.js';
import { expectedContent, type KeyWrite } from '../core/sessions/key-write.js';
import { quarantinedToSnapshot } from '../core/quarantine.js';
import { emptyDiff, redisDiff } from './diff.js';
import type { ActionEnv, ActionName, ActionPlan, PlanOptions, Refusal, RemediationAction, Verification, VerificationCheck } from './types.js';

const READ = { chunkSize: 1000 };

export interface RedisRepairSpec {
  name: ActionName;
  scenario: 1 | 2 | 3 | 4 | 5;
  description: string;
  /** Whether the repair changes the turns list (its diff then shows turns before and after). */
  touchesTurns: boolean;
  /** The core repair to run for this session, or why it does not apply. */
  repairFor(env: ActionEnv, id: SessionId, opts: PlanOptions): Promise<SessionRepair | Refusal>;
  /** Checks beyond "every written key holds what was meant". */
  extraChecks?(env: ActionEnv, id: SessionId, plan: ActionPlan): Promise<VerificationCheck[]>;
}

interface RedisPlanState {
  repair: SessionRepair;
  writes: KeyWrite[];
}

function refusalOf(err: unknown): Refusal | null {
  if (!(err instanceof CoreError)) return null;
  if (err.code === 'LOCK_HELD') return { code: 'LOCK_HELD', message: err.message, ...(err.suggestion ? { suggestion: err.suggestion } : {}) };
  if (err.code === 'PRECONDITION_FAILED') return { code: 'NOT_APPLICABLE', message: err.message, ...(err.suggestion ? { suggestion: err.suggestion } : {}) };
  return null;
}

export function refusedPlan(action: ActionName, id: SessionId, refusal: Refusal): ActionPlan {
  return { action, sessionId: id, status: 'refused', summary: refusal.message, refusal, diff: emptyDiff(), fingerprint: '', state: null };
}

/** The turns key first, then the written keys: the order `restoreFromQuarantine` fingerprints. */
export function undoKeysOf(env: ActionEnv, id: SessionId, written: readonly string[]): string[] {
  return [...new Set([sessionKeys(env.layout, id).turns, ...written])];
}

/** Reads the written keys back and compares each with what its write meant. */
export async function verifyRedisWrites(env: ActionEnv, id: SessionId, writes: readonly KeyWrite[]): Promise<{ checks: VerificationCheck[]; fingerprint: string }> {
  const redis = await env.redis();
  const keys = undoKeysOf(env, id, writes.map((w) => w.key));
  const snapshots = await readKeySnapshots(redis, keys, READ);
  const checks = writes.map((w): VerificationCheck => {
    const now = snapshots.get(w.key)!;
    const expected = expectedContent(w);
    if (expected && !sameContent(now, expected)) return { name: `content of ${w.key}`, ok: false, detail: `${w.key} does not hold what the fix wrote` };
    if ('ttlMs' in w && w.ttlMs > 0 && now.form !== 'absent' && now.ttlMs <= 0) return { name: `expiry of ${w.key}`, ok: false, detail: `${w.key} has no expiry` };
    return { name: `${w.op === 'delete' ? 'deleted' : 'written'} ${w.key}`, ok: true, detail: w.op === 'delete' ? 'gone' : now.form === 'absent' ? 'absent' : `as written, TTL ${now.ttlMs} ms` };
  });
  return { checks, fingerprint: sessionFingerprint(snapshots, keys) };
}

export function redisRepairAction(spec: RedisRepairSpec): RemediationAction {
  return {
    name: spec.name,
    scenario: spec.scenario,
    stores: ['redis'],
    description: spec.description,

    async plan(env, id, opts) {
      const repair = await spec.repairFor(env, id, opts);
      if ('code' in repair) return refusedPlan(spec.name, id, repair);
      const store = await env.sessions();
      let planned: SessionRepairPlan;
      try {
        planned = await store.planRepair(id, repair);
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal) return refusedPlan(spec.name, id, refusal);
        throw err;
      }
      const { decision } = planned;
      const state: RedisPlanState = { repair, writes: decision.kind === 'apply' ? decision.writes : [] };
      return {
        action: spec.name,
        sessionId: id,
        status: decision.kind === 'apply' ? 'ready' : 'noop',
        summary: decision.reason,
        diff: decision.kind === 'apply' ? redisDiff(planned.snapshots, decision, spec.touchesTurns) : emptyDiff(),
        fingerprint: planned.fingerprint,
        state,
      };
    },

    async apply(env, plan, hooks) {
      const { repair } = plan.state as RedisPlanState;
      const store = await env.sessions();
      await hooks.beforeWrite({ quarantinePattern: quarantineScanPattern(env.layout, plan.sessionId), notBefore: env.now() });
      const result = await store.repair(plan.sessionId, repair, { expectFingerprint: plan.fingerprint });
      return {
        status: result.applied ? 'applied' : 'already-applied',
        preImage: result.quarantineKey ? { quarantineKey: result.quarantineKey } : {},
        keysWritten: [...result.keysWritten, ...result.ttlRefreshed],
        keysDeleted: result.keysDeleted,
        details: { reason: result.reason, turnsBefore: result.turnsBefore, turnsAfter: result.turnsAfter, atomic: result.atomic, attempts: result.attempts, quarantineKeys: result.quarantineKeys },
        state: plan.state,
      };
    },

    async verify(env, plan) {
      const { writes } = plan.state as RedisPlanState;
      const { checks, fingerprint } = await verifyRedisWrites(env, plan.sessionId, writes);
      const extra = spec.extraChecks ? await spec.extraChecks(env, plan.sessionId, plan) : [];
      const all = [...checks, ...extra];
      return { ok: all.every((c) => c.ok), checks: all, after: { fingerprint } };
    },

    async undo(env, entry, opts) {
      const qkey = entry.preImage.quarantineKey;
      if (!qkey) {
        throw new CoreError('NOT_FOUND', `audit ${entry.id} names no quarantine record: the fix's outcome was never recorded`, {
          suggestion: `list the session's records (pattern ${entry.preImage.quarantinePattern ?? '?'}) and restore by hand, or run the fix again`,
        });
      }
      const expect = opts.force ? undefined : entry.after?.fingerprint;
      if (!opts.force && expect === undefined) {
        throw new CoreError('PRECONDITION_FAILED', `audit ${entry.id} has no record of the session after the fix, so a change since cannot be ruled out`, { suggestion: 'inspect the session, then pass --force' });
      }
      const store = await env.sessions();
      const record = await store.readQuarantine(qkey);
      const result = await store.restoreFromQuarantine(qkey, { dryRun: opts.dryRun === true, ...(expect !== undefined ? { expectFingerprint: expect } : {}) });
      const targets: KeySnapshot[] = Object.entries(record.keys).map(([key, q]) => quarantinedToSnapshot(key, q));
      const redis = await env.redis();
      const keys = undoKeysOf(env, entry.session as SessionId, targets.map((t) => t.key));
      const now = opts.dryRun ? new Map<string, KeySnapshot>() : await readKeySnapshots(redis, keys, READ);
      const checks: VerificationCheck[] = opts.dryRun
        ? []
        : targets.map((t) => {
            const ok = sameContent(now.get(t.key)!, t);
            return { name: `restored ${t.key}`, ok, detail: ok ? (t.form === 'absent' ? 'absent, as before the fix' : 'holds its pre-image') : 'differs from the pre-image' };
          });
      const verification: Verification = { ok: checks.every((c) => c.ok), checks, after: opts.dryRun ? {} : { fingerprint: sessionFingerprint(now, keys) } };
      return {
        status: opts.dryRun ? 'planned' : result.applied ? 'restored' : 'already-restored',
        preImage: result.quarantineKey ? { quarantineKey: result.quarantineKey } : {},
        keysWritten: result.keysWritten,
        keysDeleted: result.keysDeleted,
        details: { reason: result.reason, restoredFrom: qkey, turnsBefore: result.turnsBefore, turnsAfter: result.turnsAfter },
        verification,
      };
    },
  };
}
