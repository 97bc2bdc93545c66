/**
 * One fleet run's writing part, shared by the two ways of running it (everything planned
 * first then applied, or, pre-approved, each chunk applied as soon as it is planned): the
 * journal (resumed and reconciled when the previous run did not end), the tally, the rate
 * limit, the one-session path, the Redis apply context, and the result.
 */
import type { Redis } from 'ioredis';
import type { RedisClient } from '../../core/redis-types.js';
import type { Actor } from '../audit/record.js';
import { runRemediation } from '../runner.js';
import type { ActionEnv, ActionName, PlanOptions } from '../types.js';
import { FleetStopped, type RedisApplyContext, type RedisItem } from './apply-redis.js';
import { planRecoveryBatch, planRepairBatch, type BatchRepairPlan } from './core-batch.js';
import { FleetJournal, journalKey, type Resumed } from './journal.js';
import { fleetChunkSize } from './chunk.js';
import { RateLimiter } from './rate.js';
import { reconcilePending, type Reconciled } from './reconcile.js';
import { FleetTally } from './tally.js';
import type { FleetRequest, FleetResult } from './run.js';
import type { FleetSelector } from './types.js';
import type { SessionId } from '../../core/session-id.js';

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

export class FleetExecution {
  readonly tally: FleetTally;
  readonly rate: RateLimiter;
  private finished = 0;
  /** Changes expected, for the progress bar (null when not known in advance). */
  total: number | null;

  private constructor(
    private readonly env: ActionEnv,
    private readonly req: FleetRequest,
    readonly actor: Actor,
    readonly journal: FleetJournal,
    readonly resumed: Resumed | null,
    readonly reconciled: Reconciled | null,
    total: number | null,
  ) {
    this.total = total;
    this.rate = new RateLimiter(req.rate);
    this.tally = new FleetTally(({ counts }) => req.progress?.({ phase: 'apply', done: ++this.finished, total: this.total, counts }));
  }

  /** Opens (or resumes) the journal and settles what an interrupted run left in flight. */
  static async start(env: ActionEnv, req: FleetRequest, total: number | null): Promise<FleetExecution> {
    const actor = await req.actor();
    const { journal, resumed } = await FleetJournal.open(req.stateDir, journalKey(req.selector, req.target), req.selector, req.command, env.now());
    const reconciled = resumed?.pending.length ? await reconcilePending(env, resumed.pending, { audit: req.audit, journal, actor, command: req.command }) : null;
    return new FleetExecution(env, req, actor, journal, resumed, reconciled, total);
  }

  /** One session through the one-session path (DynamoDB/S3 actions, a cluster, an odd key type). */
  async perSession(item: { sessionId: SessionId; action: ActionName; planOptions: PlanOptions }): Promise<void> {
    const { journal, req } = this;
    try {
      const out = await runRemediation(this.env, {
        action: item.action,
        sessionId: item.sessionId,
        planOptions: item.planOptions,
        command: req.command,
        approve: async () => 'approved',
        audit: req.audit,
        actor: async () => this.actor,
        runId: journal.runId,
        onIntent: (id, pre) =>
          journal.append([{ t: 'intent', runId: journal.runId, auditId: id, session: item.sessionId, action: item.action, ...(pre.quarantineKey ? { quarantineKey: pre.quarantineKey } : {}), ...(pre.s3Key ? { s3Key: pre.s3Key } : {}), ...(pre.notBefore !== undefined ? { notBefore: pre.notBefore } : {}) }]),
      });
      const outcome = out.status === 'applied' ? 'applied' : out.status === 'already-applied' ? 'skipped' : out.status === 'verify-failed' ? 'failed' : 'refused';
      const why = out.error ?? (outcome === 'failed' ? { code: 'VERIFY_FAILED', message: out.verification?.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ') ?? '' } : undefined);
      this.tally.add(item.action, outcome, item.sessionId, why);
      if (out.auditId) await journal.append([{ t: 'done', runId: journal.runId, auditId: out.auditId, session: item.sessionId, action: item.action, outcome }]);
    } catch (err) {
      const e = err as { errorCode?: string; name?: string; message?: string };
      this.tally.add(item.action, 'failed', item.sessionId, { code: e.errorCode ?? e.name ?? 'ERROR', message: e.message ?? String(err) });
    }
  }

  /** Runs `items` through the one-session path, `concurrency` at a time, paced. */
  async perSessionAll(items: ReadonlyArray<{ sessionId: SessionId; action: ActionName; planOptions: PlanOptions }>, concurrency: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        for (let i = next++; i < items.length && !this.req.signal?.aborted; i = next++) {
          await this.rate.take(1, this.req.signal).catch(() => undefined);
          if (this.req.signal?.aborted) return;
          await this.perSession(items[i]!);
        }
      }),
    );
  }

  redisContext(redis: RedisClient, concurrency: number): RedisApplyContext {
    return {
      env: this.env,
      redis,
      journal: this.journal,
      audit: this.req.audit,
      actor: this.actor,
      command: this.req.command,
      rate: this.rate,
      tally: this.tally,
      inFlight: Math.max(1, Math.min(concurrency, 4)),
      chunkSize: fleetChunkSize(this.env),
      fallback: (p) => this.perSession({ sessionId: p.sessionId, action: p.repair.action as ActionName, planOptions: p.repair.action === 'pin-agent' ? { agent: p.repair.agent } : {} }),
      plan: (items, conn) => planItems(this.env, conn, this.req.selector, items),
      ...(this.req.signal ? { signal: this.req.signal } : {}),
    };
  }

  /** Ends the run in the journal and builds the result. */
  async finish(base: Pick<FleetResult, 'plan'>, stopped: unknown, started: number): Promise<FleetResult> {
    const interrupted = this.req.signal?.aborted === true;
    await this.journal.append([{ t: 'end', runId: this.journal.runId, at: this.env.now(), interrupted: interrupted || stopped !== undefined }]).catch(() => undefined);
    const tally = this.tally;
    if (this.resumed) tally.carry(this.resumed.counts);
    if (this.reconciled) tally.carry({ applied: this.reconciled.committed, skipped: 0, refused: 0, failed: 0 });
    const result: FleetResult = {
      ...base,
      status: stopped !== undefined ? 'stopped' : interrupted ? 'interrupted' : 'completed',
      exitCode: 0,
      runId: this.journal.runId,
      resumed: this.resumed !== null,
      outcomes: tally.counts,
      byAction: tally.byAction,
      refusals: [...tally.refusals.values()],
      failures: tally.failures,
      reconciled: this.reconciled,
      journal: this.journal.path,
      durationMs: performance.now() - started,
    };
    if (stopped !== undefined) {
      result.exitCode = 4;
      result.error = {
        code: stopped instanceof FleetStopped ? 'STORE_UNAVAILABLE' : 'FLEET_STOPPED',
        message: (stopped as Error).message,
        hint: 'no session is half-fixed; when the store is back, run the same command again to finish',
      };
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
}
