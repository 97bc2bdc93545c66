/**
 * `fix fleet`: find every affected session, plan each repair, show the counts, ask once,
 * then apply with bounded concurrency and a rate limit, verify, audit and journal every
 * change, and report per outcome. Pre-approved (`--yes`), each chunk is applied as soon as it
 * is planned: one read per session, and the fix starts at once on a large fleet. Interrupted
 * (Ctrl-C, a crash, Redis going away), it leaves no session half-fixed (each Redis change is
 * one atomic script with its quarantine record; DynamoDB and S3 follow the core's crash-safe
 * order), and the same command run again resumes the run, settles what was in flight, and
 * finishes the job: the sessions already repaired are no longer found, and every change
 * re-checks its precondition.
 */
import { isClusterClient, type RedisClient } from '../../core/redis-types.js';
import { closeRedis, duplicateStandalone } from '../../sources/redis.js';
import type { AuditLog } from '../audit/log.js';
import type { Actor } from '../audit/record.js';
import type { Approval } from '../runner.js';
import type { ActionEnv, ActionName } from '../types.js';
import { applyPlannedChunk, applyRedisItems, itemOf, type RedisItem } from './apply-redis.js';
import { FleetExecution } from './execution.js';
import type { Reconciled } from './reconcile.js';
import { isRedisSelector, itemSessions, redisChunks, selectAndPlan, type SessionWork } from './select.js';
import { FleetTally } from './tally.js';
import type { FleetFailure, FleetProgress, FleetSelector, OutcomeCounts, RefusalGroup } from './types.js';

export interface FleetRequest {
  selector: FleetSelector;
  limit?: number;
  /** Sessions (DynamoDB/S3 actions) or pipelines (Redis actions) in flight. Default 16. */
  concurrency?: number;
  /** Sessions per second at most. */
  rate?: number;
  /** Log window start for scenario 3, epoch ms. */
  since: number;
  dryRun?: boolean;
  command: string;
  approve(plan: FleetPlanSummary): Promise<Approval>;
  audit: AuditLog;
  actor(): Promise<Actor>;
  stateDir: string;
  /** Names the stores (Redis target, table): the journal of one fleet is not another's. */
  target: string;
  progress?(p: FleetProgress): void;
  signal?: AbortSignal;
  /**
   * Every change approved in advance (`--yes`): `approve` is not asked, and each chunk is
   * applied as soon as it is planned, so each session is read once. The counts per action
   * come with the result.
   */
  preApproved?: boolean;
}

/** What the fleet fix would do: shown before the one question. */
export interface FleetPlanSummary {
  examined: number;
  healthy: number;
  affected: number;
  /** Changes per action that will be written. */
  planned: Partial<Record<ActionName, number>>;
  /** Already in the target state. */
  skipped: number;
  refused: number;
  refusals: RefusalGroup[];
}

export interface FleetResult {
  status: 'planned' | 'declined' | 'refused' | 'completed' | 'interrupted' | 'stopped';
  exitCode: 0 | 4 | 5 | 6;
  runId?: string;
  resumed: boolean;
  plan: FleetPlanSummary;
  outcomes: OutcomeCounts;
  byAction: Partial<Record<ActionName, OutcomeCounts>>;
  refusals: RefusalGroup[];
  failures: FleetFailure[];
  /** Intents of an interrupted earlier attempt settled by this run. */
  reconciled: Reconciled | null;
  journal?: string;
  error?: { code: string; message: string; hint?: string };
  durationMs: number;
}

function summarize(redisItems: readonly RedisItem[], items: readonly SessionWork[], examined: number, healthy: number): FleetPlanSummary {
  const tally = new FleetTally();
  const planned: Partial<Record<ActionName, number>> = {};
  for (const p of redisItems) {
    const action = p.repair.action as ActionName;
    if (p.status === 'refused') tally.add(action, 'refused', p.sessionId, p.error);
    else if (p.status === 'noop') tally.add(action, 'skipped', p.sessionId);
    else planned[action] = (planned[action] ?? 0) + 1;
  }
  for (const s of items) {
    if (s.plan.status === 'refused') tally.add(s.action, 'refused', s.sessionId, { code: s.plan.refusal!.code, message: s.plan.refusal!.message });
    else if (s.plan.status === 'noop') tally.add(s.action, 'skipped', s.sessionId);
    else planned[s.action] = (planned[s.action] ?? 0) + 1;
  }
  const affected = new Set([...redisItems.map((p) => p.sessionId), ...items.map((s) => s.sessionId)]).size;
  return { examined, healthy, affected, planned, skipped: tally.counts.skipped, refused: tally.counts.refused, refusals: [...tally.refusals.values()] };
}

export async function runFleetFix(env: ActionEnv, req: FleetRequest): Promise<FleetResult> {
  if (req.preApproved && !req.dryRun) return runStreaming(env, req);
  const started = performance.now();
  const concurrency = Math.max(1, req.concurrency ?? 16);
  const work = await selectAndPlan(env, req.selector, {
    since: req.since,
    concurrency,
    ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    onProgress: (examined) => req.progress?.({ phase: 'scan', done: examined, total: null, counts: { applied: 0, skipped: 0, refused: 0, failed: 0 } }),
  });
  const plan = summarize(work.redisItems, work.sessionItems, work.examined, work.healthy);
  const base = { resumed: false, plan, byAction: {}, refusals: plan.refusals, failures: [], reconciled: null };
  const none = { applied: 0, skipped: plan.skipped, refused: plan.refused, failed: 0 };
  const total = Object.values(plan.planned).reduce((a, b) => a + (b ?? 0), 0);
  if (req.dryRun) return { ...base, status: 'planned', exitCode: 0, outcomes: none, durationMs: performance.now() - started };
  if (total > 0) {
    const approval = await req.approve(plan);
    if (approval !== 'approved') {
      const error =
        approval === 'declined'
          ? { code: 'DECLINED', message: 'the fleet fix was declined; nothing was written' }
          : { code: 'APPROVAL_REQUIRED', message: 'the fleet fix writes and there is no terminal to confirm it on; nothing was written', hint: 'review the plan (--dry-run), then rerun with --yes to approve' };
      return { ...base, status: approval === 'declined' ? 'declined' : 'refused', exitCode: 5, outcomes: none, error, durationMs: performance.now() - started };
    }
  }
  const run = await FleetExecution.start(env, req, total);
  let stopped: unknown;
  try {
    if (work.redisItems.length > 0) {
      await applyRedisItems(run.redisContext(await env.redis(), concurrency), work.redisItems);
    }
    for (const s of work.sessionItems) if (s.plan.status !== 'ready') run.tally.add(s.action, s.plan.status === 'noop' ? 'skipped' : 'refused', s.sessionId, s.plan.refusal);
    await run.perSessionAll(work.sessionItems.filter((s) => s.plan.status === 'ready'), concurrency);
  } catch (err) {
    stopped = err;
  }
  return run.finish({ plan }, stopped, started);
}

/** Pre-approved: plan a chunk, apply it, next; the summary of what was planned comes at the end. */
async function runStreaming(env: ActionEnv, req: FleetRequest): Promise<FleetResult> {
  const started = performance.now();
  const concurrency = Math.max(1, req.concurrency ?? 16);
  const run = await FleetExecution.start(env, req, null);
  const planned: Partial<Record<ActionName, number>> = {};
  const affected = new Set<string>();
  let examined = 0;
  let healthy = 0;
  let stopped: unknown;
  let reader: RedisClient | undefined;
  const count = (action: ActionName, sessionId: string) => {
    planned[action] = (planned[action] ?? 0) + 1;
    affected.add(sessionId);
  };
  try {
    if (isRedisSelector(req.selector)) {
      const redis = await env.redis();
      // A cluster without hash tags spreads a session's keys over slots: the one-session path only.
      const ctx = isClusterClient(redis) && !env.layout.hashTags ? undefined : run.redisContext(redis, concurrency);
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      // The scan and the planning reads on a connection of their own: on the one the repairs
      // use, each read would queue behind the chunks being applied, and this process would
      // wait for it with nothing to do while Redis runs their scripts.
      reader = (ctx && (await duplicateStandalone(redis))) || undefined;
      const readEnv: ActionEnv = reader ? { ...env, redis: async () => reader! } : env;
      for await (const chunk of redisChunks(readEnv, req.selector, { ...(req.limit !== undefined ? { limit: req.limit } : {}), ...(req.signal ? { signal: req.signal } : {}) })) {
        if (failure !== undefined || req.signal?.aborted) break;
        examined += chunk.examined;
        healthy += chunk.healthy;
        for (const p of chunk.plans) if (itemOf(p).status === 'ready') count(p.repair.action as ActionName, p.sessionId);
        for (const u of chunk.unplanned) count(u.action, u.sessionId);
        if (chunk.unplanned.length) await run.perSessionAll(chunk.unplanned, concurrency);
        if (!ctx || chunk.plans.length === 0) continue;
        // The next chunk is read and planned while this one is applied (up to 4 in flight).
        const p = applyPlannedChunk(ctx, chunk.plans).catch((err: unknown) => {
          failure ??= err;
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        if (inFlight.size >= ctx.inFlight) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
    } else {
      const found = await itemSessions(env, req.selector, { since: req.since, concurrency, ...(req.limit !== undefined ? { limit: req.limit } : {}), ...(req.signal ? { signal: req.signal } : {}) });
      examined = found.length;
      for (const f of found) affected.add(f.sessionId);
      run.total = found.length;
      await run.perSessionAll(found.map((f) => ({ ...f, planOptions: {} })), concurrency);
    }
  } catch (err) {
    stopped = err;
  } finally {
    if (reader) await closeRedis(reader).catch(() => undefined);
  }
  const counts = run.tally.counts;
  const plan: FleetPlanSummary = { examined, healthy, affected: affected.size, planned, skipped: counts.skipped, refused: counts.refused, refusals: [...run.tally.refusals.values()] };
  return run.finish({ plan }, stopped, started);
}
