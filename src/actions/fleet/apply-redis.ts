/**
 * Applying the fleet's Redis repairs, chunk by chunk: one pipelined read plans the chunk on
 * fresh data (the same core planners the selection used), one pipeline of atomic script
 * calls applies it (quarantine record and repair together, each re-checking its plan's
 * fingerprints; a session that changed in between is planned again) and reads it back after
 * its writes. A chunk's data is held from its read to its read-back only. Intents go to the
 * audit log and the journal before a chunk is sent, outcomes after its read-back. A chunk
 * whose replies were lost with the connection is not guessed at: its intents stay pending
 * and the next run reconciles them.
 */
import type { Redis } from 'ioredis';
import { connectionForKey } from '../../core/sessions/connection.js';
import { isClusterClient, type RedisClient } from '../../core/redis-types.js';
import { sessionKeys } from '../../core/keys.js';
import { randomFillSync } from 'node:crypto';
import { auditLineText, type AuditLog } from '../audit/log.js';
import { FleetAuditText } from './audit-text.js';
import type { Actor } from '../audit/record.js';
import type { ActionEnv, ActionName } from '../types.js';
import { applyRepairBatch, type BatchApplyOutcome, type BatchRepairPlan, type BatchVerification, type SessionRepair } from './core-batch.js';
import type { FleetJournal, JournalLine } from './journal.js';
import type { RateLimiter } from './rate.js';
import type { FleetTally } from './tally.js';
import type { SessionId } from '../../core/session-id.js';

/** A Redis repair the selection found. */
export interface RedisItem {
  sessionId: SessionId;
  repair: SessionRepair;
  status: 'ready' | 'noop' | 'refused' | 'unsupported';
  error?: { code: string; message: string };
}

/**
 * The light form of a plan, kept from the selection to the apply: the data it read is not
 * held (a fleet of a million sessions would not fit), and each chunk is read again when it
 * is applied, so what is applied is decided on what is there then.
 */
export function itemOf(p: BatchRepairPlan): RedisItem {
  const base = { sessionId: p.sessionId, repair: p.repair };
  if (p.status === 'refused') return { ...base, status: 'refused', error: { code: p.error.code, message: p.error.message } };
  if (p.status === 'unsupported') return { ...base, status: 'unsupported', error: { code: 'UNSUPPORTED', message: p.reason } };
  return { ...base, status: p.decision.kind === 'apply' ? 'ready' : 'noop' };
}

export interface RedisApplyContext {
  env: ActionEnv;
  /**
   * A standalone server, or a cluster client with hash-tagged keys (a session's keys, its
   * quarantine key included, share one slot): each chunk is then split per master and every
   * part is read, applied and read back on that master's own connection.
   */
  redis: RedisClient;
  journal: FleetJournal;
  audit: AuditLog;
  actor: Actor;
  command: string;
  rate: RateLimiter;
  tally: FleetTally;
  signal?: AbortSignal;
  /** Pipelines in flight. */
  inFlight: number;
  chunkSize: number;
  /** Sessions the one-session path must take (a key of a type the batch cannot snapshot). */
  fallback(item: RedisItem): Promise<void>;
  /**
   * Plans items on fresh data, the way they were chosen (for scenario 1 the classification
   * picks the repair again: a turn appended since can make the backup stale). A plan per
   * item, or null when its session needs no repair any more.
   */
  plan(items: readonly RedisItem[], conn: Redis): Promise<Map<RedisItem, BatchRepairPlan | null>>;
}

/** The connection went away mid-run: the run stops, and the next one reconciles. */
export class FleetStopped extends Error {
  constructor(cause: unknown) {
    super(`Redis became unavailable during the fleet fix: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'FleetStopped';
  }
}

type Planned = Extract<BatchRepairPlan, { status: 'planned' }>;

/**
 * Audit ids for the fleet, in the format of `newAuditId` (`fx-<base36 ms>-<6 hex>`), drawn
 * from a pool of random bytes filled a thousand at a time (one draw per id costs a call into
 * the CSPRNG each), and never repeated within one millisecond: a chunk of 500 ids made in one
 * millisecond would otherwise repeat 24 random bits about once in 130 chunks, and two changes
 * under one id would merge in the audit log.
 */
const idPool = Buffer.alloc(3 * 1024);
let idPoolAt = idPool.length;
let idMs = -1;
const idsThisMs = new Set<number>();

export function fleetAuditId(now: number): string {
  if (now !== idMs) {
    idMs = now;
    idsThisMs.clear();
  }
  for (;;) {
    if (idPoolAt >= idPool.length) {
      randomFillSync(idPool);
      idPoolAt = 0;
    }
    const n = idPool.readUIntBE(idPoolAt, 3);
    idPoolAt += 3;
    if (idsThisMs.has(n)) continue;
    idsThisMs.add(n);
    return `fx-${now.toString(36)}-${n.toString(16).padStart(6, '0')}`;
  }
}

/** ISO-8601 times from a clock, formatted once per millisecond (a fleet stamps thousands per second). */
function isoClock(now: () => number): () => string {
  let ms = NaN;
  let text = '';
  return () => {
    const t = now();
    if (t !== ms) {
      ms = t;
      text = new Date(t).toISOString();
    }
    return text;
  };
}

function isReplyError(err: Error): boolean {
  return err.name === 'ReplyError';
}

/**
 * Splits sessions by the connection that serves them: the client itself on a standalone
 * server; on a cluster (hash-tagged layout), the master of each session's slot, so that each
 * pipeline of reads and script calls goes to one node. Order is kept within each part.
 */
export async function byConnection<T extends { sessionId: SessionId }>(client: RedisClient, env: ActionEnv, items: readonly T[]): Promise<Map<Redis, T[]>> {
  if (!isClusterClient(client)) return new Map([[client as Redis, [...items]]]);
  if (!env.layout.hashTags) throw new Error('bug: batch repairs on a cluster without hash tags');
  const out = new Map<Redis, T[]>();
  for (const item of items) {
    const conn = await connectionForKey(client, sessionKeys(env.layout, item.sessionId).turns);
    const part = out.get(conn);
    if (part) part.push(item);
    else out.set(conn, [item]);
  }
  return out;
}

async function applyChunk(ctx: RedisApplyContext, chunk: readonly RedisItem[], planned?: Map<RedisItem, BatchRepairPlan | null>): Promise<void> {
  const parts = await byConnection(ctx.redis, ctx.env, chunk);
  let failure: unknown;
  await Promise.all(
    [...parts].map(([conn, items]) =>
      applyChunkOn(ctx, conn, items, planned).catch((err: unknown) => {
        failure ??= err;
      }),
    ),
  );
  if (failure !== undefined) throw failure;
}

async function applyChunkOn(ctx: RedisApplyContext, conn: Redis, chunk: readonly RedisItem[], planned?: Map<RedisItem, BatchRepairPlan | null>): Promise<void> {
  const { env, tally } = ctx;
  const batchOpts = { layout: env.layout, ttlSeconds: env.config.sessionTtlSeconds, now: env.now };
  const ids = new Map<BatchRepairPlan, string>();
  const itemOfPlan = new Map<BatchRepairPlan, RedisItem>();
  const time = isoClock(env.now);
  const { actor, command } = ctx;
  const runId = ctx.journal.runId;
  const lines = new FleetAuditText(actor, command, runId);
  const keysOf = (p: Planned) => {
    const written: string[] = [];
    const deleted: string[] = [];
    if (p.decision.kind === 'apply') for (const w of p.decision.writes) (w.op === 'delete' ? deleted : written).push(w.key);
    return { written, deleted };
  };
  const beforeApply = async (assigned: ReadonlyArray<{ plan: BatchRepairPlan; quarantineKey: string }>) => {
    const audit: string[] = [];
    const journal: JournalLine[] = [];
    for (const { plan, quarantineKey } of assigned) {
      const p = plan as Planned;
      const action = p.repair.action as ActionName;
      audit.push(lines.intent({ id: ids.get(p)!, session: p.sessionId, action, time: time(), keys: keysOf(p), quarantineKey, fingerprint: p.fingerprint }));
      journal.push({ t: 'intent', runId, auditId: ids.get(p)!, session: p.sessionId, action, quarantineKey });
    }
    // The audit log first: a journal intent always has its audit record.
    await ctx.audit.appendText(audit);
    await ctx.journal.append(journal);
  };

  const applied: Array<{ plan: Planned; quarantineKey: string; verification: BatchVerification }> = [];
  const outcomes: string[] = [];
  const done: JournalLine[] = [];
  /** Closes a change; `audited`: it has an intent record to close. */
  const finish = (p: { sessionId: string; repair: SessionRepair }, outcome: 'skipped' | 'refused' | 'failed', why: { code: string; message: string }, audited: boolean, counted = true) => {
    const action = p.repair.action as ActionName;
    if (audited) {
      const plan = p as BatchRepairPlan;
      outcomes.push(auditLineText({ id: ids.get(plan)!, actor, command, kind: 'fix', session: p.sessionId, action, runId, phase: 'outcome', time: time(), keys: { written: [], deleted: [] }, preImage: {}, result: outcome === 'skipped' ? 'already-applied' : outcome === 'refused' ? 'refused' : 'failed', error: why }));
      done.push({ t: 'done', runId: ctx.journal.runId, auditId: ids.get(plan)!, session: p.sessionId, action, outcome });
    }
    if (counted) tally.add(action, outcome, p.sessionId, why);
  };
  /** Sorts fresh plans: ready ones into the next round, the others closed. */
  const sort = async (fresh: Map<RedisItem, BatchRepairPlan | null>, items: readonly RedisItem[], previous?: Map<RedisItem, Planned>) => {
    const round: Planned[] = [];
    for (const item of items) {
      const p = fresh.get(item) ?? null;
      const old = previous?.get(item);
      const audited = old !== undefined;
      if (p && old && p.repair.action === old.repair.action) ids.set(p, ids.get(old)!);
      else if (p) {
        // A first plan, or another repair now fits: the earlier intent is closed, this one gets its own record.
        if (old) finish(old, 'refused', { code: 'PRECONDITION_FAILED', message: `the session changed since the plan; planned again as ${p.repair.action}` }, true, false);
        ids.set(p, fleetAuditId(env.now()));
      }
      const sameId = p !== null && old !== undefined && ids.get(p) === ids.get(old);
      if (!p) finish(old ?? item, 'skipped', { code: 'ALREADY_APPLIED', message: 'no repair needed any more' }, audited);
      else if (p.status === 'refused') finish(p, 'refused', { code: p.error.code, message: p.error.message }, sameId);
      else if (p.status === 'unsupported') {
        if (sameId) finish(p, 'skipped', { code: 'FALLBACK', message: 'handed to the one-session path' }, true, false);
        await ctx.fallback(item);
      } else if (p.decision.kind === 'noop') finish(p, 'skipped', { code: 'ALREADY_APPLIED', message: 'already applied' }, sameId);
      else {
        itemOfPlan.set(p, item);
        round.push(p);
      }
    }
    return round;
  };

  let round = await sort(planned ?? (await ctx.plan(chunk, conn)), chunk);
  for (let attempt = 1; round.length > 0; attempt++) {
    let results: BatchApplyOutcome[];
    try {
      results = await applyRepairBatch(conn, round, { ...batchOpts, beforeApply });
    } catch (err) {
      throw new FleetStopped(err);
    }
    const lost = results.find((r) => r.status === 'error' && !isReplyError(r.error));
    if (lost && lost.status === 'error') throw new FleetStopped(lost.error);
    const changed = new Map<RedisItem, Planned>();
    round.forEach((p, i) => {
      const r = results[i]!;
      if (r.status === 'applied') applied.push({ plan: p, quarantineKey: r.quarantineKey, verification: r.verification });
      else if (r.status === 'changed' || r.status === 'unsupported') changed.set(itemOfPlan.get(p)!, p);
      else if (r.status === 'noop') finish(p, 'skipped', { code: 'ALREADY_APPLIED', message: 'already applied' }, true);
      else finish(p, 'failed', { code: 'REDIS_ERROR', message: r.error.message }, true);
    });
    if (changed.size === 0) break;
    if (attempt >= 2) {
      for (const p of changed.values()) finish(p, 'refused', { code: 'PRECONDITION_FAILED', message: 'the session kept changing while it was being fixed' }, true);
      break;
    }
    // Changed since the plan (the orchestrator wrote, or someone else fixed it): plan again on fresh data.
    const items = [...changed.keys()];
    round = await sort(await ctx.plan(items, conn), items, changed);
  }

  // Each repair was read back by its own script call, after its writes (see applyRepairBatch).
  for (const { plan, quarantineKey, verification: v } of applied) {
    const action = plan.repair.action as ActionName;
    outcomes.push(
      lines.written({
        id: ids.get(plan)!,
        session: plan.sessionId,
        action,
        time: time(),
        keys: keysOf(plan),
        quarantineKey,
        result: v.ok ? 'applied' : 'verify-failed',
        afterFingerprint: v.afterFingerprint,
        reason: plan.decision.reason,
        turnsBefore: plan.decision.turnsBefore,
        turnsAfter: plan.decision.kind === 'apply' ? plan.decision.turnsAfter : plan.decision.turnsBefore,
      }),
    );
    done.push({ t: 'done', runId: ctx.journal.runId, auditId: ids.get(plan)!, session: plan.sessionId, action, outcome: v.ok ? 'applied' : 'failed' });
    tally.add(action, v.ok ? 'applied' : 'failed', plan.sessionId, v.ok ? undefined : { code: 'VERIFY_FAILED', message: `not as written: ${v.mismatched.join(', ')}` });
  }
  await ctx.audit.appendText(outcomes);
  await ctx.journal.append(done);
}

/** Counts the items that will not be applied here; returns the ready ones. */
async function readyOnly(ctx: RedisApplyContext, items: readonly RedisItem[]): Promise<RedisItem[]> {
  const ready: RedisItem[] = [];
  for (const item of items) {
    const action = item.repair.action as ActionName;
    if (item.status === 'refused') ctx.tally.add(action, 'refused', item.sessionId, item.error);
    else if (item.status === 'unsupported') await ctx.fallback(item);
    else if (item.status === 'noop') ctx.tally.add(action, 'skipped', item.sessionId);
    else ready.push(item);
  }
  return ready;
}

/**
 * Applies one chunk planned just now (the pre-approved path: no second read), paced by the
 * rate limit. Throws FleetStopped when Redis goes away.
 */
export async function applyPlannedChunk(ctx: RedisApplyContext, plans: readonly BatchRepairPlan[]): Promise<void> {
  const items = plans.map(itemOf);
  const ready = await readyOnly(ctx, items);
  if (ready.length === 0) return;
  await ctx.rate.take(new Set(ready.map((p) => p.sessionId)).size, ctx.signal);
  if (ctx.signal?.aborted) return;
  const planned = new Map<RedisItem, BatchRepairPlan | null>(items.map((item, i) => [item, plans[i]!]));
  await applyChunk(ctx, ready, planned);
}

/** Applies every ready item, `inFlight` chunks at a time, paced by the rate limit. */
export async function applyRedisItems(ctx: RedisApplyContext, items: readonly RedisItem[]): Promise<void> {
  const ready = await readyOnly(ctx, items);
  // Repairs of one session stay in one chunk, in order (pin-agent before clear-routing).
  const chunks: RedisItem[][] = [];
  for (const item of ready) {
    const last = chunks[chunks.length - 1];
    if (last && (last.length < ctx.chunkSize || last[last.length - 1]!.sessionId === item.sessionId)) last.push(item);
    else chunks.push([item]);
  }
  let next = 0;
  let stop: unknown;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(ctx.inFlight, chunks.length)) }, async () => {
      for (let i = next++; i < chunks.length && stop === undefined && !ctx.signal?.aborted; i = next++) {
        const chunk = chunks[i]!;
        try {
          await ctx.rate.take(new Set(chunk.map((p) => p.sessionId)).size, ctx.signal);
          if (ctx.signal?.aborted) return;
          await applyChunk(ctx, chunk);
        } catch (err) {
          if (ctx.signal?.aborted && (err as Error).name === 'AbortError') return;
          stop ??= err;
        }
      }
    }),
  );
  if (stop !== undefined) throw stop;
}
