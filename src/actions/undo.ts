/**
 * `undo <audit-id>`: puts back the pre-image an applied fix recorded (byte for byte, with
 * TTLs, for Redis; the exact item, for DynamoDB), only if the session is still as the fix
 * left it unless forced, with the same approval and audit as a fix (the undo is itself an
 * audited change, and what it replaces is kept first).
 */
import { CoreError } from '../core/errors.js';
import { quarantineScanPattern } from '../core/keys.js';
import { parseSessionId } from '../core/session-id.js';
import { newAuditId, type AuditLog } from './audit/log.js';
import type { Actor, AuditEntry, AuditLine } from './audit/record.js';
import { actionFor } from './index.js';
import { isRefusalError, type Approval, type OutcomeError } from './runner.js';
import type { ActionEnv, UndoResult } from './types.js';

export interface UndoRequest {
  auditId: string;
  force: boolean;
  dryRun?: boolean;
  command: string;
  /** Asked with the entry about to be undone. */
  approve(entry: AuditEntry): Promise<Approval>;
  audit: AuditLog;
  actor(): Promise<Actor>;
}

export interface UndoOutcome {
  /** `unknown-id` exits 2; `nothing-to-undo` and `already-restored` 0; `refused`/`declined` 5; `verify-failed` 6. */
  status: 'planned' | 'restored' | 'already-restored' | 'nothing-to-undo' | 'unknown-id' | 'refused' | 'declined' | 'verify-failed';
  exitCode: 0 | 2 | 5 | 6;
  entry?: AuditEntry;
  undoAuditId?: string;
  result?: UndoResult;
  error?: OutcomeError;
}

export async function runUndo(env: ActionEnv, req: UndoRequest): Promise<UndoOutcome> {
  const { entries } = await req.audit.read();
  const entry = entries.find((e) => e.id === req.auditId);
  if (!entry) {
    return { status: 'unknown-id', exitCode: 2, error: { code: 'UNKNOWN_AUDIT_ID', message: `no audit record ${JSON.stringify(req.auditId)} in ${req.audit.path}`, hint: 'list them with `manga-oncall audit list`' } };
  }
  if (entry.undoneBy && !req.force) {
    return { status: 'already-restored', exitCode: 0, entry, error: { code: 'ALREADY_UNDONE', message: `already undone by ${entry.undoneBy}` } };
  }
  if (entry.result === 'refused' || entry.result === 'already-applied' || (entry.result === 'failed' && !entry.preImage.quarantineKey && !entry.preImage.s3Key)) {
    return { status: 'nothing-to-undo', exitCode: 0, entry, error: { code: 'NOTHING_TO_UNDO', message: `audit ${entry.id} wrote nothing (${entry.result})` } };
  }
  const sessionId = parseSessionId(entry.session);
  const action = actionFor(entry.action);
  const refused = (err: CoreError): UndoOutcome => ({ status: 'refused', exitCode: 5, entry, error: { code: err.code, message: err.message, ...(err.suggestion ? { hint: err.suggestion } : {}) } });

  if (req.dryRun) {
    try {
      return { status: 'planned', exitCode: 0, entry, result: await action.undo(env, entry, { force: req.force, dryRun: true }) };
    } catch (err) {
      if (isRefusalError(err) || (err instanceof CoreError && err.code === 'NOT_FOUND')) return refused(err as CoreError);
      throw err;
    }
  }
  const approval = await req.approve(entry);
  if (approval === 'declined') return { status: 'declined', exitCode: 5, entry, error: { code: 'DECLINED', message: 'the undo was declined; nothing was written' } };
  if (approval === 'no-approval') {
    return { status: 'refused', exitCode: 5, entry, error: { code: 'APPROVAL_REQUIRED', message: 'an undo writes and there is no terminal to confirm it on; nothing was written', hint: 'rerun with --yes to approve' } };
  }

  const undoId = newAuditId(env.now());
  const base = { id: undoId, actor: await req.actor(), command: req.command, kind: 'undo' as const, session: sessionId, action: entry.action, undoOf: entry.id };
  const line = (phase: AuditLine['phase'], extra: Pick<AuditLine, 'keys' | 'preImage' | 'result'> & Partial<AuditLine>): Omit<AuditLine, 'schemaVersion'> => ({ ...base, phase, time: new Date(env.now()).toISOString(), ...extra });
  const intentPreImage = action.stores.includes('redis') ? { quarantinePattern: quarantineScanPattern(env.layout, sessionId), notBefore: env.now() } : {};
  await req.audit.append([line('intent', { keys: entry.keys, preImage: intentPreImage, result: 'pending' })]);
  let result: UndoResult;
  try {
    result = await action.undo(env, entry, { force: req.force });
  } catch (err) {
    const isRefusal = isRefusalError(err) || (err instanceof CoreError && (err.code === 'NOT_FOUND' || err.code === 'CORRUPT_DATA'));
    await req.audit.append([line('outcome', { keys: { written: [], deleted: [] }, preImage: {}, result: isRefusal ? 'refused' : 'failed', error: { code: (err as CoreError).code ?? 'ERROR', message: (err as Error).message } })]);
    if (isRefusal) return { ...refused(err as CoreError), undoAuditId: undoId };
    throw err;
  }
  const applied = result.status === 'restored';
  const auditResult = !applied ? 'already-applied' : result.verification.ok ? 'applied' : 'verify-failed';
  await req.audit.append([
    line('outcome', { keys: { written: result.keysWritten, deleted: result.keysDeleted }, preImage: result.preImage, result: auditResult, after: result.verification.after, details: result.details }),
  ]);
  if (!applied) return { status: 'already-restored', exitCode: 0, entry, undoAuditId: undoId, result };
  return { status: result.verification.ok ? 'restored' : 'verify-failed', exitCode: result.verification.ok ? 0 : 6, entry, undoAuditId: undoId, result };
}
