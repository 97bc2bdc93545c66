/**
 * Applying the fleet's Redis repairs: chunks of planned repairs, each chunk one pipeline of
 * atomic script calls (quarantine record and repair together, precondition re-checked),
 * then one pipeline of read-backs. The intents go to the audit log and the journal before
 * a chunk is sent; outcomes after its verification. A chunk whose replies were lost with the
 * connection is not guessed at: its intents stay pending and the next run reconciles them.
 */
import type { Redis } from 'ioredis';
import { newAuditId, type AuditLog } from '../audit/log.js';
import type { Actor, AuditLine } from '../audit/record.js';
import type { ActionEnv, ActionName } from '../types.js';
import { applyRepairBatch, verifyRepairBatch, type BatchApplyOutcome, type BatchRepairPlan } from './core-batch.js';
import type { FleetJournal, JournalLine } from './journal.js';
import type { RateLimiter } from './rate.js';
import type { FleetTally } from './tally.js';

export interface RedisApplyContext {
  env: ActionEnv;
  redis: Redis;
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
  fallback(plan: BatchRepairPlan): Promise<void>;
  /**
   * Plans again the sessions that changed since their plan, the way they were chosen (for
   * scenario 1 the classification picks the repair again: a turn appended since may make
   * the backup stale). One plan per session given, or none when it needs no repair now.
   */
  replan(changed: readonly BatchRepairPlan[]): Promise<Map<BatchRepairPlan, BatchRepairPlan | null>>;
}

/** The connection went away mid-run: the run stops, and the next one reconciles. */
export class FleetStopped extends Error {
  constructor(cause: unknown) {
    super(`Redis became unavailable during the fleet fix: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'FleetStopped';
  }
}

type Planned = Extract<BatchRepairPlan, { status: 'planned' }>;

function isReplyError(err: Error): boolean {
  return err.name === 'ReplyError';
}

async function applyChunk(ctx: RedisApplyContext, chunk: Planned[]): Promise<void> {
  const { env, tally } = ctx;
  const batchOpts = { layout: env.layout, ttlSeconds: env.config.sessionTtlSeconds, now: env.now };
  const ids = new Map<BatchRepairPlan, string>(chunk.map((p) => [p, newAuditId(env.now())]));
  const time = () => new Date(env.now()).toISOString();
  const base = (p: BatchRepairPlan) => ({ id: ids.get(p)!, actor: ctx.actor, command: ctx.command, kind: 'fix' as const, session: p.sessionId, action: p.repair.action as ActionName, runId: ctx.journal.runId });
  const keysOf = (p: Planned) => ({
    written: p.decision.kind === 'apply' ? p.decision.writes.filter((w) => w.op !== 'delete').map((w) => w.key) : [],
    deleted: p.decision.kind === 'apply' ? p.decision.writes.filter((w) => w.op === 'delete').map((w) => w.key) : [],
  });
  const beforeApply = async (assigned: ReadonlyArray<{ plan: BatchRepairPlan; quarantineKey: string }>) => {
    const audit: Omit<AuditLine, 'schemaVersion'>[] = [];
    const journal: JournalLine[] = [];
    for (const { plan, quarantineKey } of assigned) {
      const p = plan as Planned;
      audit.push({ ...base(p), phase: 'intent', time: time(), keys: keysOf(p), preImage: { quarantineKey }, result: 'pending', details: { fingerprint: p.fingerprint } });
      journal.push({ t: 'intent', runId: ctx.journal.runId, auditId: ids.get(p)!, session: p.sessionId, action: p.repair.action as ActionName, quarantineKey });
    }
    // The audit log first: a journal intent always has its audit record.
    await ctx.audit.append(audit);
    await ctx.journal.append(journal);
  };

  let round: Planned[] = chunk;
  const applied: Array<{ plan: Planned; quarantineKey: string }> = [];
  const outcomes: Omit<AuditLine, 'schemaVersion'>[] = [];
  const done: JournalLine[] = [];
  const finish = (p: BatchRepairPlan, outcome: 'skipped' | 'refused' | 'failed', why: { code: string; message: string }, audited: boolean, counted = true) => {
    const action = p.repair.action as ActionName;
    if (audited) {
      outcomes.push({ ...base(p), phase: 'outcome', time: time(), keys: { written: [], deleted: [] }, preImage: {}, result: outcome === 'skipped' ? 'already-applied' : outcome === 'refused' ? 'refused' : 'failed', error: why });
      done.push({ t: 'done', runId: ctx.journal.runId, auditId: ids.get(p)!, session: p.sessionId, action, outcome });
    }
    if (counted) tally.add(action, outcome, p.sessionId, why);
  };
  for (let attempt = 1; round.length > 0; attempt++) {
    let results: BatchApplyOutcome[];
    try {
      results = await applyRepairBatch(ctx.redis, round, { ...batchOpts, beforeApply });
    } catch (err) {
      throw new FleetStopped(err);
    }
    const lost = results.find((r) => r.status === 'error' && !isReplyError(r.error));
    if (lost && lost.status === 'error') throw new FleetStopped(lost.error);
    const changed: Planned[] = [];
    const fallbacks: Planned[] = [];
    round.forEach((p, i) => {
      const r = results[i]!;
      if (r.status === 'applied') applied.push({ plan: p, quarantineKey: r.quarantineKey });
      else if (r.status === 'noop') finish(p, 'skipped', { code: 'ALREADY_APPLIED', message: 'already applied' }, false);
      else if (r.status === 'changed') changed.push(p);
      else if (r.status === 'unsupported') fallbacks.push(p);
      else finish(p, 'failed', { code: 'REDIS_ERROR', message: r.error.message }, true);
    });
    for (const p of fallbacks) {
      // Its intent is closed here; the one-session path writes a record of its own.
      finish(p, 'skipped', { code: 'FALLBACK', message: 'handed to the one-session path' }, true, false);
      await ctx.fallback(p);
    }
    if (changed.length === 0) break;
    if (attempt >= 2) {
      for (const p of changed) finish(p, 'refused', { code: 'PRECONDITION_FAILED', message: 'the session kept changing while it was being fixed' }, true);
      break;
    }
    // Changed since the plan (the orchestrator wrote, or someone else fixed it): plan again on fresh data.
    const again = await ctx.replan(changed);
    round = [];
    changed.forEach((old) => {
      const p = again.get(old);
      if (!p) {
        finish(old, 'skipped', { code: 'ALREADY_APPLIED', message: 'no repair needed any more' }, true);
        return;
      }
      if (p.repair.action === old.repair.action) ids.set(p, ids.get(old)!);
      else {
        // Another repair now fits: the first intent is closed, the new one gets its own record.
        finish(old, 'refused', { code: 'PRECONDITION_FAILED', message: `the session changed since the plan; planned again as ${p.repair.action}` }, true, false);
        ids.set(p, newAuditId(env.now()));
      }
      if (p.status === 'planned' && p.decision.kind === 'apply') round.push(p);
      else if (p.status === 'planned') finish(p, 'skipped', { code: 'ALREADY_APPLIED', message: 'already applied' }, true);
      else if (p.status === 'refused') finish(p, 'refused', { code: p.error.code, message: p.error.message }, true);
      else finish(p, 'failed', { code: 'UNSUPPORTED', message: p.reason }, true);
    });
  }

  let checks;
  try {
    checks = await verifyRepairBatch(ctx.redis, applied.map((a) => a.plan), { layout: env.layout });
  } catch (err) {
    // Applied but not read back: the intents stay pending, and the rerun reconciles them.
    throw new FleetStopped(err);
  }
  applied.forEach(({ plan, quarantineKey }, i) => {
    const v = checks[i]!;
    const ok = v.ok;
    const detail = v.ok ? '' : `not as written: ${v.mismatched.join(', ')}`;
    const action = plan.repair.action as ActionName;
    outcomes.push({
      ...base(plan),
      phase: 'outcome',
      time: time(),
      keys: keysOf(plan),
      preImage: { quarantineKey },
      result: ok ? 'applied' : 'verify-failed',
      after: { fingerprint: v.afterFingerprint },
      details: { reason: plan.decision.reason, turnsBefore: plan.decision.turnsBefore, turnsAfter: plan.decision.kind === 'apply' ? plan.decision.turnsAfter : plan.decision.turnsBefore },
    });
    done.push({ t: 'done', runId: ctx.journal.runId, auditId: ids.get(plan)!, session: plan.sessionId, action, outcome: ok ? 'applied' : 'failed' });
    tally.add(action, ok ? 'applied' : 'failed', plan.sessionId, ok ? undefined : { code: 'VERIFY_FAILED', message: detail });
  });
  await ctx.audit.append(outcomes);
  await ctx.journal.append(done);
}

/** Applies every planned repair, `inFlight` chunks at a time, paced by the rate limit. */
export async function applyRedisPlans(ctx: RedisApplyContext, plans: readonly BatchRepairPlan[]): Promise<void> {
  const ready: Planned[] = [];
  for (const p of plans) {
    const action = p.repair.action as ActionName;
    if (p.status === 'refused') ctx.tally.add(action, 'refused', p.sessionId, { code: p.error.code, message: p.error.message });
    else if (p.status === 'unsupported') await ctx.fallback(p);
    else if (p.decision.kind === 'noop') ctx.tally.add(action, 'skipped', p.sessionId);
    else ready.push(p);
  }
  // Repairs of one session stay in one chunk, in order (pin-agent before clear-routing).
  const chunks: Planned[][] = [];
  for (const p of ready) {
    const last = chunks[chunks.length - 1];
    if (last && (last.length < ctx.chunkSize || last[last.length - 1]!.sessionId === p.sessionId)) last.push(p);
    else chunks.push([p]);
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
