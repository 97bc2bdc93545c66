/**
 * Settling what an interrupted run left pending: each intent without an outcome is checked
 * against the store and closed in the audit log and the journal. A Redis change committed
 * exactly when its quarantine record exists (they are written in one atomic script); a
 * DynamoDB change happened when the item no longer matches the pre-image saved before it.
 */
import { itemDigest, ItemPreImageStore, readSessionItem } from '../../core/items/index.js';
import { parseSessionId } from '../../core/session-id.js';
import { readKeySnapshots, sessionFingerprint } from '../../core/sessions/index.js';
import type { AuditLog } from '../audit/log.js';
import type { Actor, AuditLine } from '../audit/record.js';
import { undoKeysOf } from '../redis-repair.js';
import type { ActionEnv } from '../types.js';
import type { FleetJournal, JournalLine, PendingIntent } from './journal.js';
import type { FleetOutcome } from './types.js';

/** How the pending intents of an interrupted run were settled. */
export interface Reconciled {
  /** Committed before the interruption: counted as applied. */
  committed: number;
  /** Never committed: nothing was written; the session is planned again like any other. */
  notCommitted: number;
}

export async function reconcilePending(env: ActionEnv, pending: readonly PendingIntent[], ctx: { audit: AuditLog; journal: FleetJournal; actor: Actor; command: string }): Promise<Reconciled> {
  const counts: Reconciled = { committed: 0, notCommitted: 0 };
  const audit: Omit<AuditLine, 'schemaVersion'>[] = [];
  const done: JournalLine[] = [];
  for (const p of pending) {
    const id = parseSessionId(p.session);
    let committed: boolean;
    let after: AuditLine['after'] = {};
    let preImage: AuditLine['preImage'] = {};
    let qkey = p.quarantineKey;
    if (!qkey && p.notBefore !== undefined) {
      // The one-session path picks its record's key inside the transaction: find it by time and action.
      const store = await env.sessions();
      for (const ref of await store.listQuarantine(id)) {
        if (ref.at >= p.notBefore && (await store.readQuarantine(ref.key)).action === p.action) qkey = ref.key;
      }
    }
    if (qkey) {
      const redis = await env.redis();
      committed = (await redis.exists(qkey)) === 1;
      if (committed) {
        const record = await (await env.sessions()).readQuarantine(qkey);
        const keys = undoKeysOf(env, id, Object.keys(record.keys));
        after = { fingerprint: sessionFingerprint(await readKeySnapshots(redis, keys, { chunkSize: 1000 }), keys) };
        preImage = { quarantineKey: qkey };
      }
    } else if (p.s3Key) {
      const pre = await new ItemPreImageStore(await env.s3(), env.config.names.overflowBucket).read(p.s3Key);
      const item = await readSessionItem(await env.ddb(), env.config.names.sessionsTable, p.session);
      committed = itemDigest(item) !== pre.digest;
      if (committed) {
        after = { itemDigest: itemDigest(item) };
        preImage = { s3Key: p.s3Key };
      }
    } else committed = false;
    const outcome: FleetOutcome = committed ? 'applied' : 'failed';
    if (committed) counts.committed++;
    else counts.notCommitted++;
    audit.push({
      id: p.auditId,
      phase: 'outcome',
      time: new Date(env.now()).toISOString(),
      actor: ctx.actor,
      command: ctx.command,
      kind: 'fix',
      session: p.session,
      action: p.action,
      runId: ctx.journal.runId,
      keys: { written: [], deleted: [] },
      preImage,
      result: committed ? 'applied' : 'failed',
      after,
      details: { reconciled: true },
      ...(committed ? {} : { error: { code: 'INTERRUPTED', message: 'the run stopped before this change was committed; nothing was written' } }),
    });
    done.push({ t: 'done', runId: ctx.journal.runId, auditId: p.auditId, session: p.session, action: p.action, outcome, reconciled: committed });
  }
  await ctx.audit.append(audit);
  await ctx.journal.append(done);
  return counts;
}
