import type { Redis } from 'ioredis';
import { CoreError, WriteConflictError } from '../errors.js';
import { QUARANTINE_TTL_SECONDS, quarantineKey } from '../keys.js';
import { buildQuarantineRecord } from '../quarantine.js';
import type { RedisClient } from '../redis-types.js';
import type { SessionId } from '../session-id.js';
import { connectionForKey, withConnection } from './connection.js';
import type { StoreContext } from './context.js';
import { readKeySnapshot, readKeySnapshots, sameContent, type KeySnapshot } from './key-snapshot.js';
import { changesContent, expectedContent, queueKeyWrite, type KeyWrite, type ReplyCheck } from './key-write.js';
import type { SessionWriteResult, WriteDecision, WriteOperation, WriteOptions, WriteOutcome } from './types.js';

const QUARANTINE_TTL_MS = QUARANTINE_TTL_SECONDS * 1000;

type Applied = Extract<WriteDecision, { kind: 'apply' }>;

function baseResult(ctx: StoreContext, id: SessionId, op: WriteOperation, decision: WriteDecision, dryRun: boolean) {
  const writes = decision.kind === 'apply' ? decision.writes : [];
  const result: SessionWriteResult = {
    sessionId: id,
    action: op.action,
    applied: false,
    dryRun,
    reason: decision.reason,
    keysWritten: writes.filter((w) => w.op !== 'delete' && w.op !== 'expire').map((w) => w.key),
    keysDeleted: writes.filter((w) => w.op === 'delete').map((w) => w.key),
    ttlRefreshed: writes.filter((w) => w.op === 'expire').map((w) => w.key),
    quarantineKey: null,
    quarantineKeys: [],
    turnsBefore: decision.turnsBefore,
    turnsAfter: decision.kind === 'apply' ? decision.turnsAfter : decision.turnsBefore,
    verified: false,
    atomic: ctx.atomic,
    attempts: 0,
  };
  return result;
}

/**
 * The pre-image of every key the write touches, TTL-only refreshes included: restoring a
 * record must put back each key's expiry as well as its bytes, or an undo is not exact.
 */
function preImages(decision: Applied, snapshots: ReadonlyMap<string, KeySnapshot>): KeySnapshot[] {
  return decision.writes.map((w) => {
    const before = snapshots.get(w.key);
    // An operation may only write keys it read: their pre-image is what makes undo possible.
    if (!before) throw new Error(`bug: write to ${w.key}, which the operation did not read`);
    return before;
  });
}

/**
 * Picks a free quarantine key: `<prefix>:quarantine:<id>:<ms>`, moving to the next ms when
 * one exists (two fixes of one session in the same millisecond must not overwrite each
 * other's record). With `watch`, each candidate is WATCHed so a record created by someone
 * else before our EXEC aborts it instead of being overwritten.
 */
async function claimQuarantineKey(conn: Redis, ctx: StoreContext, id: SessionId, watch: boolean) {
  for (let at = ctx.now(), tries = 0; ; at++, tries++) {
    const key = quarantineKey(ctx.layout, id, at);
    if (watch) await conn.watch(key);
    if ((await conn.exists(key)) === 0) return { key, at };
    if (tries >= 10_000) throw new CoreError('PRECONDITION_FAILED', `no free quarantine key for session ${id} near ${ctx.now()}`);
  }
}

function recordText(ctx: StoreContext, id: SessionId, op: WriteOperation, decision: Applied, at: number, snapshots: ReadonlyMap<string, KeySnapshot>) {
  const record = buildQuarantineRecord({
    sessionId: id,
    at,
    action: op.action,
    reason: decision.reason,
    snapshots: preImages(decision, snapshots),
    ...(decision.details ? { details: decision.details } : {}),
  });
  return JSON.stringify(record);
}

function repliesOk(replies: [Error | null, unknown][], checks: readonly ReplyCheck[]): boolean {
  if (replies.some(([err]) => err !== null)) return false;
  return checks.every((c) => replies[c.index]?.[1] === c.expect);
}

/**
 * Atomic path: WATCH the keys, read them, decide, then one MULTI/EXEC holding the quarantine
 * SET and the writes. There is no moment where data is gone and not quarantined, and a
 * change by another client between our read and EXEC aborts the EXEC (we re-read and decide
 * again), so the record always holds exactly what the write replaced.
 */
async function executeAtomic(ctx: StoreContext, id: SessionId, op: WriteOperation, dryRun: boolean): Promise<WriteOutcome> {
  const conn = await connectionForKey(ctx.redis, op.readKeys[0] as string);
  return withConnection(conn, 'exclusive', async () => {
    for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
      await conn.watch(...op.readKeys);
      let watching = true;
      try {
        const snapshots = await readKeySnapshots(conn, op.readKeys, ctx.read);
        const decision = op.decide(snapshots);
        const result = baseResult(ctx, id, op, decision, dryRun);
        result.attempts = attempt;
        if (decision.kind === 'noop' || dryRun) return { result };
        const { key: qkey, at } = await claimQuarantineKey(conn, ctx, id, true);
        const tx = conn.multi();
        tx.set(qkey, recordText(ctx, id, op, decision, at, snapshots), 'PX', QUARANTINE_TTL_MS);
        const checks: ReplyCheck[] = [{ index: 0, expect: 'OK', what: `SET ${qkey}` }];
        let offset = 1;
        for (const write of decision.writes) {
          const queued = queueKeyWrite(tx, write, offset, ctx.pushBatch);
          offset += queued.queued;
          checks.push(...queued.checks);
        }
        watching = false; // EXEC ends the WATCH, whatever it answers
        const replies = await tx.exec();
        if (replies === null) continue;
        return outcome(decision, { ...result, applied: true, quarantineKey: qkey, quarantineKeys: [qkey], verified: repliesOk(replies, checks) });
      } finally {
        // A failed UNWATCH means a dead connection: the error that got us here matters more.
        if (watching) await conn.unwatch().catch(() => undefined);
      }
    }
    throw new WriteConflictError(id, ctx.maxAttempts);
  });
}

/**
 * One key's write for the non-atomic path, as a single-key MULTI on the key's node (one key
 * is one slot, so this works in any cluster): WATCH it, check it still holds what the
 * decision saw, then replace it. Answers false when it changed.
 */
async function applySingleKey(ctx: StoreContext, write: KeyWrite, before: KeySnapshot | undefined): Promise<boolean> {
  const conn = await connectionForKey(ctx.redis, write.key);
  return withConnection(conn, 'exclusive', async () => {
    await conn.watch(write.key);
    let watching = true;
    try {
      if (changesContent(write)) {
        const now = await readKeySnapshot(conn, write.key, ctx.read);
        if (!before || !sameContent(now, before)) return false;
      }
      const tx = conn.multi();
      queueKeyWrite(tx, write, 0, ctx.pushBatch);
      watching = false;
      const replies = await tx.exec();
      if (replies === null) return false;
      const failed = replies.find(([err]) => err !== null);
      if (failed?.[0]) throw failed[0];
      return true;
    } finally {
      if (watching) await conn.unwatch().catch(() => undefined);
    }
  });
}

/** Reads every written key back and compares it with what was meant to be there. */
export async function verifyByReading(client: RedisClient, ctx: StoreContext, writes: readonly KeyWrite[]): Promise<boolean> {
  for (const write of writes) {
    const now = await readKeySnapshot(client, write.key, ctx.read);
    const expected = expectedContent(write);
    if (expected && !sameContent(now, expected)) return false;
    if ('ttlMs' in write && write.ttlMs > 0 && now.form !== 'absent' && now.ttlMs <= 0) return false;
  }
  return true;
}

/**
 * Non-atomic path, for a cluster whose session keys sit in different slots (plain ids): no
 * MULTI can span them. Order is the safety argument: (1) the quarantine record, alone, with
 * SET NX so no record is overwritten; only then (2) each key in the decided order, each as a
 * WATCHed single-key transaction that re-checks the key still holds its pre-image; then
 * (3) read everything back. A crash after (1) leaves all data intact plus a spare record;
 * a crash during (2) leaves every replaced key in the record. On a conflict the operation
 * re-reads and decides again; every record written is reported (the first one holds the
 * data as it was before this call).
 */
async function executeKeyByKey(ctx: StoreContext, id: SessionId, op: WriteOperation, dryRun: boolean): Promise<WriteOutcome> {
  const records: string[] = [];
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    const snapshots = await readKeySnapshots(ctx.redis, op.readKeys, ctx.read);
    const decision = op.decide(snapshots);
    const result = baseResult(ctx, id, op, decision, dryRun);
    result.attempts = attempt;
    if (decision.kind === 'noop' || dryRun) return { result: { ...result, quarantineKey: records[0] ?? null, quarantineKeys: records } };
    // Through the router: without hash tags each candidate key (one per ms) has its own slot.
    let stored: { key: string; at: number } | null = null;
    for (let at = ctx.now(); stored === null; at++) {
      const key = quarantineKey(ctx.layout, id, at);
      const ok = await ctx.redis.set(key, recordText(ctx, id, op, decision, at, snapshots), 'PX', QUARANTINE_TTL_MS, 'NX');
      if (ok === 'OK') stored = { key, at };
    }
    records.push(stored.key);
    let conflict = false;
    for (const write of decision.writes) {
      if (!(await applySingleKey(ctx, write, snapshots.get(write.key)))) {
        conflict = true;
        break;
      }
    }
    if (conflict) continue;
    const verified = await verifyByReading(ctx.redis, ctx, decision.writes);
    return outcome(decision, { ...result, applied: true, quarantineKey: records[0] ?? null, quarantineKeys: records, verified });
  }
  throw new WriteConflictError(id, ctx.maxAttempts);
}

function outcome(decision: Applied, result: SessionWriteResult): WriteOutcome {
  return decision.turns ? { result, turns: decision.turns } : { result };
}

/** Runs a fix operation: decide on fresh data, quarantine the pre-images, write, verify. */
export function executeWrite(ctx: StoreContext, id: SessionId, op: WriteOperation, opts: WriteOptions = {}): Promise<WriteOutcome> {
  const dryRun = opts.dryRun === true;
  return ctx.atomic ? executeAtomic(ctx, id, op, dryRun) : executeKeyByKey(ctx, id, op, dryRun);
}
