/**
 * The implementations of `fix session`, `fix fleet`, `undo`, `audit list` and `inspect
 * session`, loaded on demand by their registrations. The library (src/actions) decides and
 * writes; this file asks the engineer (a confirmation, default No; no terminal and no --yes
 * is a refusal, exit 5) and renders. `runOneRemediation` is what the interactive diagnose
 * calls to run one remediation with its plan shown and its confirmation asked.
 */
import { parseDuration } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { parseSessionId, type SessionId } from '../../core/session-id.js';
import { resolveActor } from '../../actions/audit/actor.js';
import { AUDIT_ID_PATTERN, AuditLog, auditPathOf, stateDirOf } from '../../actions/audit/log.js';
import { createActionEnv, type ActionEnvHandle } from '../../actions/env.js';
import type { FleetProgress, FleetSelector } from '../../actions/fleet/types.js';
import { actionFor, isActionName } from '../../actions/index.js';
import { runRemediation, type Approval, type RemediationOutcome } from '../../actions/runner.js';
import type { ActionName, PlanOptions } from '../../actions/types.js';
import { runUndo } from '../../actions/undo.js';
import type { CliContext, CommandResult } from '../context.js';
import { EXIT, ExitError } from '../exit-codes.js';
import { renderAudit, renderFleetPlan, renderFleetResult, renderOutcome, renderPlan, renderSessionView, renderUndo } from './fix-render.js';

const ACTION_LIST = 'restore-backup, partial-recover, clean-slate, clear-routing, pin-agent, compact, overflow, release-lock, flag-review';

function actionName(raw: string): ActionName {
  if (!isActionName(raw)) throw new ExitError(EXIT.USAGE, 'UNKNOWN_ACTION', `unknown action ${JSON.stringify(raw)}; actions are ${ACTION_LIST}`);
  return raw;
}

function positive(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (flag !== '--rate' && !Number.isInteger(v))) throw new ExitError(EXIT.USAGE, 'INVALID_FLAG', `${flag} must be a positive ${flag === '--rate' ? 'number' : 'integer'}, not ${JSON.stringify(raw)}`);
  return v;
}

/** A write needs `--yes` or a yes at the prompt (default No). No terminal and no --yes: refused. */
async function approval(ctx: CliContext, question: string): Promise<Approval> {
  if (ctx.globals.yes) return 'approved';
  if (!ctx.io.isTTY || ctx.globals.json) return 'no-approval';
  const { confirm } = await import('@inquirer/prompts');
  try {
    return (await confirm({ message: question, default: false }, { output: process.stderr })) ? 'approved' : 'declined';
  } catch {
    // Ctrl-C at the prompt is a no.
    return 'declined';
  }
}

/** The command line for the audit record, rebuilt from what was parsed: no secret flag can reach it. */
function commandLine(parts: readonly (string | false | undefined)[], ctx: CliContext): string {
  return [...parts, ctx.globals.yes && '--yes', ctx.globals.dryRun && '--dry-run'].filter((p): p is string => typeof p === 'string' && p !== '').join(' ');
}

function context(ctx: CliContext): { config: Config; audit: AuditLog; env: ActionEnvHandle; actor: () => ReturnType<typeof resolveActor> } {
  const config = ctx.config().config;
  const env = createActionEnv(config);
  const audit = new AuditLog(auditPathOf(config));
  let actor: ReturnType<typeof resolveActor> | undefined;
  return { config, audit, env, actor: () => (actor ??= resolveActor(config, { ...(env.writeRoleArn() ? { writeRoleArn: env.writeRoleArn()! } : {}) })) };
}

function warn(ctx: CliContext, env: ActionEnvHandle): void {
  const w = env.redisWarning();
  if (w) ctx.io.err(`WARNING: ${w}`);
}

function outcomeJson(o: RemediationOutcome): Record<string, unknown> {
  const { state: _state, ...plan } = o.plan;
  return {
    session: o.plan.sessionId,
    action: o.plan.action,
    status: o.status,
    plan,
    ...(o.auditId ? { auditId: o.auditId } : {}),
    ...(o.applied ? { applied: o.applied } : {}),
    ...(o.verification ? { verification: o.verification } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

/** One remediation of one session, with its plan shown and its confirmation asked on this terminal. */
export async function runOneRemediation(ctx: CliContext, req: { sessionId: string; action: string; agent?: string; force?: boolean }): Promise<CommandResult> {
  const id = parseSessionId(req.sessionId);
  const action = actionName(req.action);
  const { audit, env, actor } = context(ctx);
  const planOptions: PlanOptions = { ...(req.agent ? { agent: req.agent } : {}), ...(req.force ? { force: true } : {}) };
  try {
    const outcome = await runRemediation(env, {
      action,
      sessionId: id,
      planOptions,
      command: commandLine(['fix session', id, '--action', action, req.agent && `--agent ${req.agent}`, req.force && '--force'], ctx),
      dryRun: ctx.globals.dryRun,
      approve: async (plan) => {
        if (ctx.io.isTTY && !ctx.globals.json && !ctx.globals.yes) ctx.io.out(renderPlan(plan));
        return approval(ctx, `apply ${action} to session ${id}?`);
      },
      audit,
      actor,
    });
    warn(ctx, env);
    if (outcome.error && !ctx.globals.json) {
      ctx.io.err(`${outcome.status === 'declined' ? 'declined' : 'refused'}: ${outcome.error.message}`);
      if (outcome.error.hint) ctx.io.err(`hint: ${outcome.error.hint}`);
    }
    const shown = outcome.status === 'refused' && outcome.error?.code === 'APPROVAL_REQUIRED' ? renderPlan(outcome.plan) : renderOutcome(outcome);
    return { exitCode: outcome.exitCode, json: outcomeJson(outcome), text: shown };
  } finally {
    await env.close();
  }
}

export async function runFixSessionCommand(ctx: CliContext, rawId: string, flags: { action?: string; agent?: string; force?: boolean; since?: string }): Promise<CommandResult> {
  // Both checked before any store is touched: a bad id or action is exit 2.
  const id = parseSessionId(rawId);
  if (flags.action !== undefined) return runOneRemediation(ctx, { sessionId: id, action: actionName(flags.action), ...(flags.agent ? { agent: flags.agent } : {}), ...(flags.force ? { force: true } : {}) });
  return proposeFixes(ctx, id, flags.since);
}

/** `fix session <id>` without --action: the session across every store, and what fits it. */
async function proposeFixes(ctx: CliContext, id: SessionId, since: string | undefined): Promise<CommandResult> {
  const { windowFor } = await import('../../diagnose/window.js');
  const { inspectSession } = await import('../../probes/session/inspect.js');
  const config = ctx.config().config;
  const showContent = ctx.globals.showContent && !ctx.globals.json && ctx.io.isTTY;
  const inspection = await inspectSession(config, id, { window: windowFor(since), showContent });
  if (inspection.warning) ctx.io.err(`WARNING: ${inspection.warning}`);
  const v = inspection.view;
  const wanted = new Set<ActionName>();
  for (const p of v.problems) {
    if (!p.action || !isActionName(p.action)) continue;
    // A loop is broken by pinning the fallback, then clearing the routes.
    if (p.action === 'clear-routing') wanted.add('pin-agent');
    wanted.add(p.action);
  }
  if (v.dynamodb.exists && (v.logs.events ?? []).some((e) => e.event === 'tool_call' && (e.status === 'timeout' || e.status === 'error'))) wanted.add('flag-review');
  const { env } = context(ctx);
  const proposals: Array<{ action: ActionName; status: string; summary: string; command: string }> = [];
  try {
    for (const action of wanted) {
      const plan = await actionFor(action).plan(env, id, {});
      proposals.push({ action, status: plan.status, summary: plan.summary, command: `manga-oncall fix session ${id} --action ${action}` });
    }
  } finally {
    await env.close();
  }
  const ready = proposals.filter((p) => p.status === 'ready');
  const exitCode = ready.length > 0 ? EXIT.PROBLEM_FOUND : inspection.exitCode;
  const lines = [renderSessionView(v, inspection.verdict), '', ready.length ? 'proposed fixes' : 'no fix to propose'];
  for (const p of proposals) lines.push(`  ${p.status === 'ready' ? '->' : '  '} ${p.action} (${p.status}): ${p.summary}${p.status === 'ready' ? `\n     ${p.command}` : ''}`);
  const json = { session: id, verdict: inspection.verdict, proposals, view: v };
  if (ready.length > 0 && ctx.io.isTTY && !ctx.globals.json && !ctx.globals.dryRun) {
    ctx.io.out(lines.join('\n'));
    const { select } = await import('@inquirer/prompts');
    let chosen: string;
    try {
      chosen = await select({ message: 'apply one now?', choices: [{ name: 'no, leave it', value: '' }, ...ready.map((p) => ({ name: `${p.action}: ${p.summary}`, value: p.action }))], default: '' }, { output: process.stderr });
    } catch {
      // Ctrl-C at the pick is "no, leave it".
      chosen = '';
    }
    if (chosen) return runOneRemediation(ctx, { sessionId: id, action: chosen });
    ctx.io.err(`no fix applied; nothing was changed (to apply one later: ${ready[0]!.command})`);
    return { exitCode, json };
  }
  return { exitCode, json, text: lines.join('\n') };
}

function selectorOf(flags: { scenario?: string; action?: string }): FleetSelector {
  const action = flags.action === undefined ? undefined : actionName(flags.action);
  let scenario: number | undefined;
  if (flags.scenario !== undefined) {
    scenario = /^[1-5]$/.test(flags.scenario.trim()) ? Number(flags.scenario) : NaN;
    if (!Number.isInteger(scenario)) throw new ExitError(EXIT.USAGE, 'INVALID_SCENARIO', `--scenario must be 1..5, not ${JSON.stringify(flags.scenario)}`);
  }
  if (action && scenario !== undefined && actionFor(action).scenario !== scenario) {
    throw new ExitError(EXIT.USAGE, 'INVALID_FLAG', `${action} is a remediation of scenario ${actionFor(action).scenario}, not ${scenario}`);
  }
  if (action) return { kind: 'action', action };
  if (scenario !== undefined) return { kind: 'scenario', scenario: scenario as 1 };
  throw new ExitError(EXIT.USAGE, 'MISSING_FLAG', 'fix fleet needs --scenario <1..5> or --action <name>', 'e.g. manga-oncall fix fleet --scenario 1 --dry-run');
}

/** The progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise. */
function progressRenderer(ctx: CliContext): { update: (p: FleetProgress) => void; end: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  let tenth = -1;
  let open = false;
  const draw = (line: string) => {
    process.stderr.write(`\r${line}\x1b[K`);
    open = true;
  };
  const update = (p: FleetProgress) => {
    if (ctx.globals.json && !tty) return;
    const c = p.counts;
    const tail = `applied ${c.applied} skipped ${c.skipped} refused ${c.refused} failed ${c.failed}`;
    if (p.phase !== 'apply') {
      if (tty && Date.now() - last > 200) {
        last = Date.now();
        draw(`fix fleet: ${p.phase} ${p.done} session(s) examined`);
      }
      return;
    }
    if (!p.total) {
      // Pre-approved: changes are applied while the scan goes on, so there is no total yet.
      if (tty && Date.now() - last > 100) {
        last = Date.now();
        draw(`fix fleet: ${p.done} change(s) so far: ${tail}`);
      } else if (!tty && Math.floor(p.done / 1000) > tenth) {
        tenth = Math.floor(p.done / 1000);
        ctx.io.err(`fix fleet: ${p.done} change(s) so far: ${tail}`);
      }
      return;
    }
    const done = Math.min(p.done, p.total);
    if (tty) {
      if (Date.now() - last < 100 && done < p.total) return;
      last = Date.now();
      const width = 30;
      const filled = Math.round((done / p.total) * width);
      draw(`fix fleet [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${p.total} ${tail}`);
    } else {
      const t = Math.floor((done / p.total) * 10);
      if (t > tenth) {
        tenth = t;
        ctx.io.err(`fix fleet: ${done}/${p.total} ${tail}`);
      }
    }
  };
  return {
    update,
    end: () => {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}

export async function runFixFleetCommand(
  ctx: CliContext,
  flags: { scenario?: string; action?: string; limit?: string; concurrency?: string; rate?: string; since?: string },
): Promise<CommandResult> {
  const selector = selectorOf(flags);
  const limit = positive(flags.limit, '--limit');
  const concurrency = positive(flags.concurrency ?? '16', '--concurrency')!;
  const rate = positive(flags.rate, '--rate');
  const sinceMs = parseDuration(flags.since ?? '24h');
  const { config, audit, env, actor } = context(ctx);
  const { runFleetFix } = await import('../../actions/fleet/run.js');
  const { createRedis } = await import('../../sources/redis.js');
  const target = `${createRedis(config).target} ${config.redis.keyPrefix} ${config.aws.endpoints.dynamodb ?? config.aws.region} ${config.names.sessionsTable}`;
  const controller = new AbortController();
  const progress = progressRenderer(ctx);
  const onSigint = () => {
    progress.end();
    ctx.io.err('\ninterrupted: finishing the changes in flight, starting no more (Ctrl-C again to quit at once)');
    controller.abort();
    // `once` has removed this listener: a second Ctrl-C gets Node's default, which ends the process.
  };
  process.once('SIGINT', onSigint);
  try {
    const sel = selector.kind === 'scenario' ? `--scenario ${selector.scenario}` : `--action ${selector.action}`;
    const result = await runFleetFix(env, {
      selector,
      ...(limit !== undefined ? { limit } : {}),
      concurrency,
      ...(rate !== undefined ? { rate } : {}),
      since: Date.now() - sinceMs,
      dryRun: ctx.globals.dryRun,
      command: commandLine(['fix fleet', sel, limit !== undefined && `--limit ${limit}`, `--concurrency ${concurrency}`, rate !== undefined && `--rate ${rate}`], ctx),
      approve: async (plan) => {
        if (ctx.io.isTTY && !ctx.globals.json && !ctx.globals.yes) ctx.io.out(renderFleetPlan(plan));
        const changes = Object.values(plan.planned).reduce((a, b) => a + (b ?? 0), 0);
        return approval(ctx, `apply ${changes} change(s) to ${plan.affected} session(s)?`);
      },
      audit,
      actor,
      stateDir: stateDirOf(config),
      target,
      progress: progress.update,
      signal: controller.signal,
      preApproved: ctx.globals.yes,
    });
    progress.end();
    warn(ctx, env);
    if (result.error && !ctx.globals.json) {
      ctx.io.err(`${result.status === 'completed' ? 'warning' : result.status}: ${result.error.message}`);
      if (result.error.hint) ctx.io.err(`hint: ${result.error.hint}`);
    }
    return { exitCode: result.exitCode, json: { ...result, selector }, text: renderFleetResult(result) };
  } finally {
    process.removeListener('SIGINT', onSigint);
    await env.close();
  }
}

export async function runUndoCommand(ctx: CliContext, rawId: string, flags: { force?: boolean }): Promise<CommandResult> {
  if (!AUDIT_ID_PATTERN.test(rawId)) throw new ExitError(EXIT.USAGE, 'INVALID_AUDIT_ID', `${JSON.stringify(rawId)} is not an audit id (they look like fx-m3k9z2a1-4f9c2e)`, 'list them with `manga-oncall audit list`');
  const { audit, env, actor } = context(ctx);
  try {
    const outcome = await runUndo(env, {
      auditId: rawId,
      force: flags.force === true,
      dryRun: ctx.globals.dryRun,
      command: commandLine(['undo', rawId, flags.force && '--force'], ctx),
      approve: async (entry) => approval(ctx, `undo ${entry.action} of ${entry.time} on session ${entry.session} (restore its pre-image)?`),
      audit,
      actor,
    });
    if (outcome.status === 'unknown-id') throw new ExitError(EXIT.USAGE, outcome.error!.code, outcome.error!.message, outcome.error!.hint);
    if (outcome.error && !ctx.globals.json && outcome.exitCode !== 0) {
      ctx.io.err(`${outcome.status}: ${outcome.error.message}`);
      if (outcome.error.hint) ctx.io.err(`hint: ${outcome.error.hint}`);
    }
    const { entry, result, ...rest } = outcome;
    return {
      exitCode: outcome.exitCode,
      json: { ...rest, auditId: rawId, ...(entry ? { session: entry.session, action: entry.action } : {}), ...(result ? { result } : {}) },
      text: renderUndo(outcome),
    };
  } finally {
    await env.close();
  }
}

export async function runAuditListCommand(ctx: CliContext, flags: { since?: string; session?: string }): Promise<CommandResult> {
  const since = parseDuration(flags.since ?? '24h');
  const session = flags.session === undefined ? undefined : parseSessionId(flags.session);
  const audit = new AuditLog(auditPathOf(ctx.config().config));
  const { entries, skipped } = await audit.read();
  const from = Date.now() - since;
  const shown = entries.filter((e) => Date.parse(e.time) >= from && (session === undefined || e.session === session));
  if (skipped && !ctx.globals.json) ctx.io.err(`warning: ${skipped} unreadable line(s) in ${audit.path} skipped (a torn write after a crash)`);
  return { exitCode: EXIT.OK, json: { path: audit.path, since: flags.since ?? '24h', entries: shown, skipped }, text: renderAudit(shown, audit.path) };
}

export async function runInspectCommand(ctx: CliContext, rawId: string, flags: { since?: string }): Promise<CommandResult> {
  const id = parseSessionId(rawId);
  const { windowFor } = await import('../../diagnose/window.js');
  const window = windowFor(flags.since);
  const { inspectSession } = await import('../../probes/session/inspect.js');
  const showContent = ctx.globals.showContent && !ctx.globals.json && ctx.io.isTTY;
  const r = await inspectSession(ctx.config().config, id, { window, showContent });
  if (r.warning) ctx.io.err(`WARNING: ${r.warning}`);
  return { exitCode: r.exitCode, json: { session: id, verdict: r.verdict, view: r.view }, text: renderSessionView(r.view, r.verdict) };
}
