/**
 * The audit log's records (contract section 6): one JSON object per line. A change writes two
 * lines under one id: `intent` before the write (actor, command, session, action, keys, the
 * pre-image reference) and `outcome` after it (result, what the session looks like now).
 * A crash between them leaves an intent without an outcome: `audit list` shows it as
 * `pending`, and its pre-image reference still says where the replaced data went.
 * Records hold no message content: counts, keys, versions and digests only.
 */
import type { ActionName } from '../../runbooks/index.js';
import type { PreImageRef } from '../types.js';

export const AUDIT_SCHEMA_VERSION = 1;

/** Who made the change. */
export interface Actor {
  /** The OS user running the CLI. */
  osUser: string;
  host: string;
  /** The AWS caller identity, where AWS credentials are configured. */
  aws?: { arn: string; account: string } | { source: 'static-config' } | { error: string };
  /** The write role assumed for the change, when one is configured. */
  writeRoleArn?: string;
}

export type AuditResult = 'pending' | 'applied' | 'already-applied' | 'refused' | 'failed' | 'verify-failed';

export interface AuditLine {
  schemaVersion: typeof AUDIT_SCHEMA_VERSION;
  id: string;
  phase: 'intent' | 'outcome';
  /** ISO-8601. */
  time: string;
  actor: Actor;
  /** The command line, e.g. `fix session sess-1 --action restore-backup --yes`. */
  command: string;
  kind: 'fix' | 'undo';
  session: string;
  action: ActionName;
  /** For an undo: the audit id it undoes. */
  undoOf?: string;
  /** For a fleet fix: the run it belongs to. */
  runId?: string;
  keys: { written: string[]; deleted: string[] };
  /** Where the replaced data is (see {@link PreImageRef}). */
  preImage: PreImageRef;
  result: AuditResult;
  /** After the change (outcome only): what undo compares the session with. */
  after?: { fingerprint?: string; itemDigest?: string };
  details?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** A change as `audit list` and `undo` see it: its intent and outcome lines merged. */
export interface AuditEntry {
  id: string;
  /** When it was planned to be written (the intent), ISO-8601. */
  time: string;
  finishedAt?: string;
  actor: Actor;
  command: string;
  kind: 'fix' | 'undo';
  session: string;
  action: ActionName;
  undoOf?: string;
  runId?: string;
  keys: { written: string[]; deleted: string[] };
  preImage: AuditLine['preImage'];
  result: AuditResult;
  after?: AuditLine['after'];
  details?: Record<string, unknown>;
  error?: AuditLine['error'];
  /** The audit id of an undo that restored this change's pre-image. */
  undoneBy?: string;
}

/** Merges the lines of a log, oldest first, into entries (by id, in order of first appearance). */
export function mergeAuditLines(lines: readonly AuditLine[]): AuditEntry[] {
  const byId = new Map<string, AuditEntry>();
  for (const line of lines) {
    const seen = byId.get(line.id);
    if (!seen) {
      const { phase: _phase, schemaVersion: _v, time, ...rest } = line;
      byId.set(line.id, { ...rest, time, ...(line.phase === 'outcome' ? { finishedAt: time } : {}) });
      continue;
    }
    // The outcome completes the intent: its keys and pre-image are the exact ones.
    Object.assign(seen, {
      result: line.result,
      finishedAt: line.time,
      keys: line.keys.written.length || line.keys.deleted.length ? line.keys : seen.keys,
      preImage: { ...seen.preImage, ...line.preImage },
      ...(line.after ? { after: line.after } : {}),
      ...(line.details ? { details: { ...seen.details, ...line.details } } : {}),
      ...(line.error ? { error: line.error } : {}),
    });
  }
  const entries = [...byId.values()];
  for (const e of entries) {
    if (e.kind === 'undo' && e.undoOf && e.result === 'applied') {
      const target = byId.get(e.undoOf);
      if (target) target.undoneBy = e.id;
    }
  }
  return entries;
}
