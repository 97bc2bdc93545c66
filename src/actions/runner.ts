/**
 * One remediation of one session, start to end: plan, approval, pre-image and intent record,
 * apply (which re-checks the plan's precondition), verify, outcome record. Shared by
 * `fix session` and the interactive diagnose (through src/cli/commands/fix-run.ts). Never
 * prints or prompts: the approval is a callback the CLI answers (a non-interactive host
 * answers `no-approval`, which is a refusal, never a yes).
 */
import { CoreError } from '../core/errors.js';
import type { SessionId } from '../core/session-id.js';
import { newAuditId, type AuditLog } from './audit/log.js';
import type { Actor, AuditLine } from './audit/record.js';
import { actionFor } from './index.js';
import type { ActionEnv, ActionName, ActionPlan, ApplyResult, PlanOptions, PreImageRef, Verification } from './types.js';

export type Approval = 'approved' | 'declined' | 'no-approval';

export interface RemediationRequest {
  action: ActionName;
  sessionId: SessionId;
  planOptions?: PlanOptions;
  /** The command line, for the audit record. */
  command: string;
  dryRun?: boolean;
  /** Asked once the plan is ready (only for a plan that writes). */
  approve(plan: ActionPlan): Promise<Approval>;
  audit: AuditLog;
  /** The actor, resolved when the first record is written. */
  actor(): Promise<Actor>;
  /** Fleet runs tag their records. */
  runId?: string;
  /** Told after the intent record is written (the fleet journals it). */
  onIntent?(auditId: string, preImage: PreImageRef): Promise<void>;
}

export interface OutcomeError {
  code: string;
  message: string;
  hint?: string;
}

export interface RemediationOutcome {
  /**
   * `planned`: dry run; `already-applied`: nothing to do; `refused`: does not apply, or the
   * session changed, or no approval; `declined`: the engineer said no; `applied`: applied and
   * verified; `verify-failed`: applied, verification failed.
   */
  status: 'planned' | 'already-applied' | 'refused' | 'declined' | 'applied' | 'verify-failed';
  /** The contract's exit code: 0, 5 or 6. */
  exitCode: 0 | 5 | 6;
  plan: ActionPlan;
  auditId?: string;
  applied?: Omit<ApplyResult, 'state'>;
  verification?: Verification;
  error?: OutcomeError;
}

/** Errors that mean "the change is refused" (exit 5): the session moved, or a live holder. */
export function isRefusalError(err: unknown): err is CoreError {
  return err instanceof CoreError && (err.code === 'PRECONDITION_FAILED' || err.code === 'LOCK_HELD' || err.code === 'WRITE_CONFLICT');
}

function withoutState(r: ApplyResult): Omit<ApplyResult, 'state'> {
  const { state: _state, ...rest } = r;
  return rest;
}

export async function runRemediation(env: ActionEnv, req: RemediationRequest): Promise<RemediationOutcome> {
  const action = actionFor(req.action);
  const plan = await action.plan(env, req.sessionId, req.planOptions ?? {});
  if (plan.status === 'refused') {
    const r = plan.refusal!;
    return { status: 'refused', exitCode: 5, plan, error: { code: r.code, message: r.message, ...(r.suggestion ? { hint: r.suggestion } : {}) } };
  }
  if (plan.status === 'noop') return { status: 'already-applied', exitCode: 0, plan };
  if (req.dryRun) return { status: 'planned', exitCode: 0, plan };

  const approval = await req.approve(plan);
  if (approval === 'declined') return { status: 'declined', exitCode: 5, plan, error: { code: 'DECLINED', message: 'the change was declined; nothing was written' } };
  if (approval === 'no-approval') {
    return {
      status: 'refused',
      exitCode: 5,
      plan,
      error: { code: 'APPROVAL_REQUIRED', message: 'writes need a confirmation and there is no terminal to ask on; nothing was written', hint: 'review the plan (--dry-run), then rerun with --yes to approve' },
    };
  }

  const auditId = newAuditId(env.now());
  const actor = await req.actor();
  const base = {
    id: auditId,
    actor,
    command: req.command,
    kind: 'fix' as const,
    session: req.sessionId,
    action: req.action,
    ...(req.runId ? { runId: req.runId } : {}),
  };
  let intentWritten = false;
  const line = (phase: AuditLine['phase'], extra: Pick<AuditLine, 'keys' | 'preImage' | 'result'> & Partial<AuditLine>): Omit<AuditLine, 'schemaVersion'> => ({
    ...base,
    phase,
    time: new Date(env.now()).toISOString(),
    ...extra,
  });
  const beforeWrite = async (preImage: PreImageRef) => {
    await req.audit.append([line('intent', { keys: { written: plan.diff.written, deleted: plan.diff.deleted }, preImage, result: 'pending', details: { fingerprint: plan.fingerprint } })]);
    intentWritten = true;
    await req.onIntent?.(auditId, preImage);
  };

  let applied: ApplyResult;
  try {
    applied = await action.apply(env, plan, { auditId, beforeWrite });
  } catch (err) {
    const refused = isRefusalError(err);
    const code = err instanceof CoreError ? err.code : ((err as { errorCode?: string; name?: string }).errorCode ?? (err as Error).name ?? 'ERROR');
    if (intentWritten) {
      await req.audit.append([line('outcome', { keys: { written: [], deleted: [] }, preImage: {}, result: refused ? 'refused' : 'failed', error: { code, message: (err as Error).message } })]);
    }
    if (refused) {
      return { status: 'refused', exitCode: 5, plan, auditId, error: { code: err.code, message: err.message, ...(err.suggestion ? { hint: err.suggestion } : {}) } };
    }
    throw err;
  }

  let verification: Verification;
  try {
    verification = await action.verify(env, plan, applied);
  } catch (err) {
    verification = { ok: false, checks: [{ name: 'read back', ok: false, detail: (err as Error).message }], after: {} };
  }
  const result = applied.status === 'already-applied' ? 'already-applied' : verification.ok ? 'applied' : 'verify-failed';
  await req.audit.append([
    line('outcome', {
      keys: { written: applied.keysWritten, deleted: applied.keysDeleted },
      preImage: applied.preImage,
      result,
      after: verification.after,
      details: { ...applied.details, verification: verification.checks.filter((c) => !c.ok).map((c) => c.detail) },
    }),
  ]);
  if (applied.status === 'already-applied') return { status: 'already-applied', exitCode: 0, plan, auditId, applied: withoutState(applied), verification };
  return { status: verification.ok ? 'applied' : 'verify-failed', exitCode: verification.ok ? 0 : 6, plan, auditId, applied: withoutState(applied), verification };
}
