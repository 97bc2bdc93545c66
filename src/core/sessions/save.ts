import { sessionKeys } from '../keys.js';
import { redisErrorCode } from '../redis-types.js';
import type { SessionId } from '../session-id.js';
import { assertTurns } from '../turn.js';
import { connectionForKey, withConnection } from './connection.js';
import type { StoreContext } from './context.js';
import { verifyByReading } from './executor.js';
import { queueKeyWrite, type KeyWrite, type ReplyCheck } from './key-write.js';
import { encodeForSave } from './operations.js';
import type { SessionWriteResult } from './types.js';

function result(ctx: StoreContext, id: SessionId, writes: KeyWrite[], turnsBefore: number, turnsAfter: number, verified: boolean): SessionWriteResult {
  return {
    sessionId: id,
    action: 'save',
    applied: true,
    dryRun: false,
    reason: `saved ${turnsAfter} turns with backup`,
    keysWritten: writes.filter((w) => w.op !== 'delete').map((w) => w.key),
    keysDeleted: writes.filter((w) => w.op === 'delete').map((w) => w.key),
    ttlRefreshed: [],
    quarantineKey: null,
    quarantineKeys: [],
    turnsBefore,
    turnsAfter,
    verified,
    atomic: ctx.atomic,
    attempts: 1,
  };
}

/**
 * Saves a session's turns and its backup (the JSON array of all turns), both with the
 * session TTL. This is the orchestrator's normal write path, so nothing is quarantined:
 * the caller owns the data it replaces. Turns are validated first (CoreError CORRUPT_DATA),
 * so a save never writes what a load would call corrupt.
 *
 * Atomic: one MULTI/EXEC of LLEN (for the report), SET backup PX, DEL turns, RPUSH in
 * batches, PEXPIRE: readers see the old session or the new one, never a mix, and a key can
 * no longer be left without a TTL by a failover between RPUSH and EXPIRE.
 *
 * Not atomic (cluster with keys in different slots): backup first, then the turns list as a
 * single-key MULTI (one slot), then both read back and compared. Backup first because the
 * backup is what recovery falls back on: if the process dies between the two, the turns
 * list still holds the previous complete session, and the backup already holds the new
 * one, so recovery never falls back to something older than the list it replaces.
 */
export async function saveSession(ctx: StoreContext, id: SessionId, turns: readonly unknown[]): Promise<SessionWriteResult> {
  const valid = assertTurns(turns);
  const keys = sessionKeys(ctx.layout, id);
  const { entries, backup } = encodeForSave(valid);
  const ttlMs = ctx.ttlSeconds * 1000;
  const writes: KeyWrite[] = [
    { key: keys.backup, op: 'string', value: backup, ttlMs },
    entries.length > 0 ? { key: keys.turns, op: 'list', entries, ttlMs } : { key: keys.turns, op: 'delete' },
  ];
  if (ctx.atomic) {
    const conn = await connectionForKey(ctx.redis, keys.turns);
    return withConnection(conn, 'shared', async () => {
      const tx = conn.multi().llen(keys.turns);
      const checks: ReplyCheck[] = [];
      let offset = 1;
      for (const write of writes) {
        const queued = queueKeyWrite(tx, write, offset, ctx.pushBatch);
        offset += queued.queued;
        checks.push(...queued.checks);
      }
      const replies = (await tx.exec()) ?? [];
      // LLEN fails with WRONGTYPE when the turns key was not a list; the DEL still replaced it.
      const before = replies[0]?.[0] ? 0 : Number(replies[0]?.[1] ?? 0);
      const verified = replies.slice(1).every(([err]) => err === null) && checks.every((c) => replies[c.index]?.[1] === c.expect);
      return result(ctx, id, writes, before, entries.length, verified);
    });
  }
  const before = await ctx.redis.llen(keys.turns).catch((err: unknown) => {
    if (redisErrorCode(err) === 'WRONGTYPE') return 0;
    throw err;
  });
  for (const write of writes) {
    const conn = await connectionForKey(ctx.redis, write.key);
    const tx = conn.multi();
    queueKeyWrite(tx, write, 0, ctx.pushBatch);
    const replies = (await withConnection(conn, 'shared', () => tx.exec())) ?? [];
    const failed = replies.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }
  const verified = await verifyByReading(ctx.redis, ctx, writes);
  return result(ctx, id, writes, before, entries.length, verified);
}
