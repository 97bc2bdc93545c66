/**
 * `fix fleet`: find every affected session, plan each repair, show the counts, ask once,
 * then apply with bounded concurrency and a rate limit, verify, audit and journal every
 * change, and report per outcome. Interrupted (Ctrl-C, a crash, Redis going away), it leaves
 * no session half-fixed (each Redis change is one atomic script with its quarantine record;
 * DynamoDB and S3 follow the core's crash-safe order), and the same command run again
 * resumes the run, settles what was in flight, and finishes the job: the sessions already
 * repaired are no longer found, and every change re-checks its precondition.
 */
import type { Redis } from 'ioredis';
import { isClusterClient } from '../../core/redis-types.js';
import type { AuditLog } from '../audit/log.js';
import type { Actor } from '../audit/record.js';
import { runRemediation, type Approval } from '../runner.js';
import type { ActionEnv, ActionName } from '../types.js';
import { applyRedisItems, FleetStopped, type RedisItem } from './apply-redis.js';
import { planRecoveryBatch, planRepairBatch, type BatchRepairPlan } from './core-batch.js';
import { FleetJournal, journalKey } from './journal.js';
import { RateLimiter } from './rate.js';
import { reconcilePending, type Reconciled } from './reconcile.js';
import { selectAndPlan, type SessionWork } from './select.js';
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

/** Plans items on fresh data: scenario 1 by classification (unless an action was named), the rest with their repair. */
async function planItems(env: ActionEnv, redis: Redis, selector: FleetSelector, items: readonly RedisItem[]): Promise<Map<RedisItem, BatchRepairPlan | null>> {
  const opts = { layout: env.layout, ttlSeconds: env.config.sessionTtlSeconds, now: env.now };
  const out = new Map<RedisItem, BatchRepairPlan | null>();
  if (selector.kind === 'scenario' && selector.scenario === 1) {
    const { plans } = await planRecoveryBatch(redis, items.map((p) => p.sessionId), opts);
    const bySession = new Map(plans.map((p) => [p.sessionId, p]));
    for (const p of items) out.set(p, bySession.get(p.sessionId) ?? null);
    return out;
  }
  const again = await planRepairBatch(redis, items.map((p) => ({ sessionId: p.sessionId, repair: p.repair })), opts);
  items.forEach((p, i) => out.set(p, again[i] ?? null));
  return out;
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
  const started = performance.now();
  const concurrency = Math.max(1, req.concurrency ?? 16);
  const emit = (p: FleetProgress) => req.progress?.(p);
  const work = await selectAndPlan(env, req.selector, {
    since: req.since,
    concurrency,
    ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    onProgress: (examined) => emit({ phase: 'scan', done: examined, total: null, counts: { applied: 0, skipped: 0, refused: 0, failed: 0 } }),
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

  const actor = await req.actor();
  const { journal, resumed } = await FleetJournal.open(req.stateDir, journalKey(req.selector, req.target), req.selector, req.command, env.now());
  const reconciled = resumed?.pending.length ? await reconcilePending(env, resumed.pending, { audit: req.audit, journal, actor, command: req.command }) : null;
  let finished = 0;
  const tally = new FleetTally(({ counts }) => emit({ phase: 'apply', done: ++finished, total, counts }));
  const perSession = async (item: { sessionId: SessionWork['sessionId']; action: ActionName; planOptions: SessionWork['planOptions'] }) => {
    try {
      let auditId: string | undefined;
      const out = await runRemediation(env, {
        action: item.action,
        sessionId: item.sessionId,
        planOptions: item.planOptions,
        command: req.command,
        approve: async () => 'approved',
        audit: req.audit,
        actor: async () => actor,
        runId: journal.runId,
        onIntent: (id, pre) => journal.append([{ t: 'intent', runId: journal.runId, auditId: id, session: item.sessionId, action: item.action, ...(pre.quarantineKey ? { quarantineKey: pre.quarantineKey } : {}), ...(pre.s3Key ? { s3Key: pre.s3Key } : {}), ...(pre.notBefore !== undefined ? { notBefore: pre.notBefore } : {}) }]),
      });
      auditId = out.auditId;
      const outcome = out.status === 'applied' ? 'applied' : out.status === 'already-applied' ? 'skipped' : out.status === 'verify-failed' ? 'failed' : 'refused';
      tally.add(item.action, outcome, item.sessionId, out.error ?? (outcome === 'failed' ? { code: 'VERIFY_FAILED', message: out.verification?.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ') ?? '' } : undefined));
      if (auditId) await journal.append([{ t: 'done', runId: journal.runId, auditId, session: item.sessionId, action: item.action, outcome }]);
    } catch (err) {
      const e = err as { errorCode?: string; name?: string; message?: string };
      tally.add(item.action, 'failed', item.sessionId, { code: e.errorCode ?? e.name ?? 'ERROR', message: e.message ?? String(err) });
    }
  };
  const rate = new RateLimiter(req.rate);
  let stopped: unknown;
  try {
    if (work.redisItems.length > 0) {
      const redis = await env.redis();
      if (isClusterClient(redis)) throw new Error('bug: batch plans on a cluster client');
      await applyRedisItems(
        {
          env,
          redis: redis as Redis,
          journal,
          audit: req.audit,
          actor,
          command: req.command,
          rate,
          tally,
          inFlight: Math.max(1, Math.min(concurrency, 4)),
          chunkSize: env.config.redis.pipelineSize,
          fallback: (p) => perSession({ sessionId: p.sessionId, action: p.repair.action as ActionName, planOptions: p.repair.action === 'pin-agent' ? { agent: p.repair.agent } : {} }),
          plan: (items) => planItems(env, redis as Redis, req.selector, items),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        work.redisItems,
      );
    }
    const items = work.sessionItems.filter((s) => s.plan.status === 'ready');
    for (const s of work.sessionItems) if (s.plan.status !== 'ready') tally.add(s.action, s.plan.status === 'noop' ? 'skipped' : 'refused', s.sessionId, s.plan.refusal);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        for (let i = next++; i < items.length && !req.signal?.aborted; i = next++) {
          await rate.take(1, req.signal).catch(() => undefined);
          if (req.signal?.aborted) return;
          await perSession(items[i]!);
        }
      }),
    );
  } catch (err) {
    stopped = err;
  }
  const interrupted = req.signal?.aborted === true;
  await journal.append([{ t: 'end', runId: journal.runId, at: env.now(), interrupted: interrupted || stopped !== undefined }]).catch(() => undefined);
  if (resumed) tally.carry(resumed.counts);
  if (reconciled) tally.carry({ applied: reconciled.committed, skipped: 0, refused: 0, failed: 0 });
  const result: FleetResult = {
    ...base,
    status: stopped !== undefined ? 'stopped' : interrupted ? 'interrupted' : 'completed',
    exitCode: 0,
    runId: journal.runId,
    resumed: resumed !== null,
    outcomes: tally.counts,
    byAction: tally.byAction,
    refusals: [...tally.refusals.values()],
    failures: tally.failures,
    reconciled,
    journal: journal.path,
    durationMs: performance.now() - started,
  };
  if (stopped !== undefined) {
    const message = stopped instanceof FleetStopped ? stopped.message : (stopped as Error).message;
    result.exitCode = 4;
    result.error = { code: stopped instanceof FleetStopped ? 'STORE_UNAVAILABLE' : 'FLEET_STOPPED', message, hint: 'no session is half-fixed; when the store is back, run the same command again to finish' };
  } else if (interrupted) {
    result.exitCode = 5;
    result.error = { code: 'INTERRUPTED', message: 'interrupted: changes in flight were finished, nothing more was started', hint: 'run the same command again to finish the job' };
  } else if (tally.failuresTotal > tally.verifyFailed) {
    result.exitCode = 4;
    result.error = { code: 'SOME_FAILED', message: `${tally.failuresTotal} change(s) failed`, hint: 'see failures; when the store is healthy, run the same command again to finish' };
  } else if (tally.verifyFailed > 0) {
    result.exitCode = 6;
    result.error = { code: 'VERIFY_FAILED', message: `${tally.verifyFailed} change(s) applied but not verified`, hint: 'inspect the sessions listed under failures' };
  }
  return result;
}
