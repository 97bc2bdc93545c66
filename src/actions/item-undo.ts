/**
 * Undo for the DynamoDB remediations (compact, overflow, flag-review): the item goes back to
 * the pre-image saved in S3 before the fix, only if it is still as the fix left it (or with
 * `--force`); the item being replaced is saved first, so nothing is lost either way; an
 * overflow snapshot the fix created is removed, so S3 is as it was too.
 */
import { CoreError } from '../core/errors.js';
import { deleteCreatedSnapshot, itemDigest, ItemPreImageStore, readSessionItem, restoreSessionItem } from '../core/items/index.js';
import type { AuditEntry } from './audit/record.js';
import type { ActionEnv, UndoOptions, UndoResult } from './types.js';

export async function preImageStoreOf(env: ActionEnv): Promise<ItemPreImageStore> {
  return new ItemPreImageStore(await env.s3(), env.config.names.overflowBucket);
}

export function itemKeyOf(env: ActionEnv, sessionId: string): string {
  return `dynamodb:${env.config.names.sessionsTable}/${sessionId}`;
}

export async function undoItemFix(env: ActionEnv, entry: AuditEntry, opts: UndoOptions): Promise<UndoResult> {
  if (entry.kind === 'undo') {
    throw new CoreError('PRECONDITION_FAILED', `audit ${entry.id} is itself an undo of a DynamoDB fix`, { suggestion: `run \`fix session ${entry.session} --action ${entry.action}\` again instead` });
  }
  const s3Key = entry.preImage.s3Key;
  if (!s3Key) throw new CoreError('NOT_FOUND', `audit ${entry.id} names no item pre-image`, { suggestion: 'the fix never got as far as saving one: nothing was changed' });
  const expected = entry.after?.itemDigest;
  if (!opts.force && expected === undefined) {
    throw new CoreError('PRECONDITION_FAILED', `audit ${entry.id} has no record of the item after the fix, so a change since cannot be ruled out`, { suggestion: 'inspect the session, then pass --force' });
  }
  const store = await preImageStoreOf(env);
  const ddb = await env.ddb();
  const table = env.config.names.sessionsTable;
  const pre = await store.read(s3Key);
  if (pre.sessionId !== entry.session) throw new CoreError('CORRUPT_DATA', `${s3Key} belongs to session ${pre.sessionId}, not ${entry.session}`);
  const current = await readSessionItem(ddb, table, entry.session);
  const already = itemDigest(current) === pre.digest;
  if (!already && !opts.force && itemDigest(current) !== expected) {
    throw new CoreError('PRECONDITION_FAILED', `session ${entry.session}: the DynamoDB item changed since the fix`, { suggestion: 'inspect the session; pass --force to restore anyway (the current item is saved first)' });
  }
  const snapshotKey = typeof entry.details?.snapshotKey === 'string' ? entry.details.snapshotKey : undefined;
  const created = snapshotKey !== undefined && entry.details?.reusedSnapshot !== true && pre.item?.s3_overflow_key !== snapshotKey;
  const itemKey = itemKeyOf(env, entry.session);
  if (opts.dryRun) {
    return {
      status: already ? 'already-restored' : 'planned',
      preImage: {},
      keysWritten: already ? [] : [itemKey],
      keysDeleted: created && !opts.force ? [`s3://${env.config.names.overflowBucket}/${snapshotKey}`] : [],
      details: { restoredFrom: s3Key },
      verification: { ok: true, checks: [], after: {} },
    };
  }
  let saved: { key: string } | undefined;
  let outcome: 'restored' | 'already' = 'already';
  if (!already) {
    saved = await store.save({ sessionId: entry.session, table, action: `undo-${entry.action}`, at: env.now(), item: current });
    outcome = await restoreSessionItem(ddb, table, entry.session, pre.item, opts.force ? {} : { expectDigest: expected! });
  }
  // A forced undo keeps the snapshot: the item it replaced (saved above) may still need it.
  const deleted: string[] = [];
  if (created && !opts.force) {
    await deleteCreatedSnapshot(await env.s3(), env.config.names.overflowBucket, snapshotKey);
    deleted.push(`s3://${env.config.names.overflowBucket}/${snapshotKey}`);
  }
  const after = await readSessionItem(ddb, table, entry.session);
  const ok = itemDigest(after) === pre.digest;
  return {
    status: outcome === 'restored' ? 'restored' : 'already-restored',
    preImage: saved ? { s3Key: saved.key } : {},
    keysWritten: outcome === 'restored' ? [itemKey] : [],
    keysDeleted: deleted,
    details: { restoredFrom: s3Key, ...(deleted.length ? { deletedSnapshot: snapshotKey } : {}) },
    verification: {
      ok,
      checks: [{ name: 'item equals its pre-image', ok, detail: ok ? `digest ${pre.digest.slice(0, 12)}` : 'the item differs from the pre-image' }],
      after: { itemDigest: itemDigest(after) },
    },
  };
}
