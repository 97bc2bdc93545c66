import type { Config } from '../config/schema.js';
import type { SessionId } from '../core/session-id.js';
import { collectSessionView } from '../probes/session/collect.js';
import type { SessionView } from '../probes/session/types.js';
import { createSourcePorts, DEFAULT_PROBE_LIMITS, type ProbeLimits, type ProbeResult, type SourcePorts } from '../probes/index.js';
import { loadRunbookSet, probesOf, resumeWalk, selectScenarios, walk, type ProbeId, type RunbookSet, type Signal, type StoppedWalk, type WalkResult } from '../runbooks/index.js';
import { layoutFromConfig } from '../sources/redis.js';
import { judgeWalk, type CommandScope, type WalkOrigin } from './findings.js';
import { DiagnosisRunner } from './runner.js';
import type { DiagnoseResult, DiagnoseStatus, Finding, ScenarioCheck, SourceReport, TimelineItem } from './types.js';
import type { DiagnoseWindow } from './window.js';

export interface DiagnoseOptions {
  config: Config;
  window: DiagnoseWindow;
  /** Walk only this scenario's runbook (1..5), whatever the signals say. */
  scenario?: number;
  /** Look at one conversation across every store; findings are narrowed to it. */
  sessionId?: SessionId;
  /** Flags the remediation commands carry over. */
  scope?: CommandScope;
  limits?: Partial<ProbeLimits>;
  /** Source adapters to use (tests, bench); by default built from the config and closed at the end. */
  ports?: SourcePorts;
  runbooks?: RunbookSet;
  /** Reveal message content in the session view (a terminal only). */
  showContent?: boolean;
  now?: () => number;
}

interface WalkState {
  walk: WalkResult;
  origin: WalkOrigin;
}

/** A finished diagnosis: its result, and the walks an interactive host may resume. */
export interface Diagnosis {
  readonly result: DiagnoseResult;
  readonly runbooks: RunbookSet;
  /** The walks that stopped on a question the probes could not answer. */
  openQuestions(): { runbook: string; walk: StoppedWalk }[];
  /** The current walk of a runbook, or undefined when it was not walked. */
  walkOf(runbook: string): WalkResult | undefined;
  /** Continues a stopped walk with the engineer's outcome; returns the updated result. */
  resume(runbook: string, outcome: string): Promise<DiagnoseResult>;
  /** The evidence probes gave, by probe id (settled). */
  probeResult(id: ProbeId): Promise<ProbeResult>;
}

const EXIT: Record<DiagnoseStatus, 0 | 3 | 4> = { healthy: 0, incident: 3, inconclusive: 4 };

/**
 * Walks the runbooks against every source at once. All probes of all runbooks start
 * together, each question once, under one deadline (`config.timeoutMs`), so the run takes
 * about as long as its slowest source, and a source that hangs is cut off at the timeout
 * with its decisions unknown. The cross-scenario tree then picks the runbooks from the
 * signals (alarms, error types, and the proactive scenario-3 check every run makes); a
 * failed source's signals cannot be ruled out, so their runbooks are walked as well.
 */
export async function diagnose(opts: DiagnoseOptions): Promise<Diagnosis> {
  const now = opts.now ?? Date.now;
  const started = now();
  const { config } = opts;
  const set = opts.runbooks ?? loadRunbookSet();
  const ports = opts.ports ?? createSourcePorts(config);
  const limits: ProbeLimits = {
    ...DEFAULT_PROBE_LIMITS,
    // With --session, findings are narrowed by membership: keep every id, not a sample.
    ...(opts.sessionId ? { maxAffectedIds: Number.MAX_SAFE_INTEGER } : {}),
    ...opts.limits,
  };
  const runner = new DiagnosisRunner({ config, layout: layoutFromConfig(config), window: opts.window, limits, sources: ports }, started + config.timeoutMs, now);
  try {
    for (const doc of [set.tree, ...set.runbooks]) for (const id of probesOf(doc)) void runner.probe(id);
    const sessionView = opts.sessionId
      ? collectSessionView((q) => runner.ask(q), opts.sessionId, { showContent: opts.showContent === true })
      : Promise.resolve(undefined);

    const triageNode = set.tree.nodes.find((n) => n.kind === 'decision');
    const triage: ProbeResult = triageNode?.kind === 'decision' ? await runner.probe(triageNode.probe) : { status: 'unknown', error: 'the tree has no question', evidence: [] };
    const treeOutcomes = set.tree.edges.flatMap((e) => e.outcomes ?? []);
    const signals = (triage.status === 'answered' ? (triage.outcomes ?? [triage.outcome]) : []).filter((s) => treeOutcomes.includes(s)) as Signal[];
    const unchecked = (triage.status === 'answered' ? (triage.unchecked ?? []) : treeOutcomes) as Signal[];
    const selected = selectScenarios(set.tree, signals);
    const possible = new Set(selectScenarios(set.tree, unchecked).map((s) => s.runbook));

    const plan: { origin: WalkOrigin }[] = [];
    const checks: ScenarioCheck[] = [];
    const scope = { ...opts.scope, ...(opts.sessionId ? { sessionId: opts.sessionId } : {}) };
    for (const rb of set.runbooks) {
      const sel = selected.find((s) => s.runbook === rb.id);
      const signalled = sel !== undefined;
      const origin = (selectedBy: WalkOrigin['selectedBy']): WalkOrigin => ({ runbook: rb, selectedBy, signals: sel?.matched ?? [], signalled, scope });
      if (opts.scenario !== undefined) {
        if (rb.scenario === opts.scenario) plan.push({ origin: origin('flag') });
        else checks.push(notWalked(rb.scenario, rb.id, rb.title, `not asked for (--scenario ${opts.scenario})`));
      } else if (signalled) plan.push({ origin: origin('signal') });
      else if (possible.has(rb.id)) plan.push({ origin: origin('unchecked') });
      else checks.push(notWalked(rb.scenario, rb.id, rb.title, 'no alert signal points here'));
    }
    const answer = (id: ProbeId) => runner.probe(id);
    const walks = new Map<string, WalkState>();
    await Promise.all(
      plan.map(async ({ origin }) => {
        walks.set(origin.runbook.id, { walk: await walk(origin.runbook, answer), origin });
      }),
    );
    const session = await sessionView;
    // Settle every prefetched probe, so the timeline and source list are complete.
    const timeline = await runner.timeline();
    const frozen: Frozen = {
      window: opts.window,
      signals,
      unchecked,
      sources: runner.sourceReports(),
      errors: [...runner.sourceReports().flatMap((s) => (s.error ? [{ source: s.name, code: s.error.code, message: s.error.message, hint: s.error.hint }] : [])), ...runner.engineErrors()],
      timeline: timelineOf(timeline),
      session,
      durationMs: Math.round(now() - started),
      fixed: checks,
      sessionId: opts.sessionId,
    };
    let result = build(frozen, walks);
    return {
      get result() {
        return result;
      },
      runbooks: set,
      openQuestions: () =>
        [...walks.entries()].flatMap(([id, w]) => (w.walk.status === 'unknown' || w.walk.status === 'no_branch' ? [{ runbook: id, walk: w.walk }] : [])),
      walkOf: (runbook) => walks.get(runbook)?.walk,
      async resume(runbook, outcome) {
        const state = walks.get(runbook);
        const rb = set.runbook(runbook);
        if (!state || !rb || (state.walk.status !== 'unknown' && state.walk.status !== 'no_branch')) return result;
        state.walk = await resumeWalk(rb, state.walk, outcome, answer);
        result = build(frozen, walks);
        return result;
      },
      probeResult: (id) => runner.probe(id),
    };
  } finally {
    if (!opts.ports) await ports.close();
  }
}

/** What does not change when a walk is resumed. */
interface Frozen {
  window: DiagnoseWindow;
  signals: string[];
  unchecked: string[];
  sources: SourceReport[];
  errors: DiagnoseResult['errors'];
  timeline: TimelineItem[];
  session: SessionView | undefined;
  durationMs: number;
  fixed: ScenarioCheck[];
  sessionId: SessionId | undefined;
}

function notWalked(scenario: number, runbook: string, title: string, why: string): ScenarioCheck {
  return { scenario, runbook, title, selectedBy: 'none', signals: [], result: 'not_walked', path: [], summary: why };
}

function timelineOf(entries: { at: number; source: string; what: string }[]): TimelineItem[] {
  const seen = new Set<string>();
  return entries
    .filter((e) => Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at)
    .filter((e) => {
      const key = `${e.at}|${e.what}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((e) => ({ at: new Date(e.at).toISOString(), source: e.source, what: e.what }));
}

function build(f: Frozen, walks: Map<string, WalkState>): DiagnoseResult {
  const checks = [...f.fixed];
  const findings: Finding[] = [];
  for (const [, w] of walks) {
    const judged = judgeWalk(w.walk, w.origin);
    // With --session a fleet finding counts only when it names that session.
    if (judged.finding && f.sessionId && !judged.affectedIds.has(f.sessionId)) {
      checks.push({ ...judged.check, result: 'not_observed', summary: `${judged.check.summary} (not in session ${f.sessionId})` });
      continue;
    }
    checks.push(judged.check);
    if (judged.finding) findings.push(judged.finding);
  }
  checks.sort((a, b) => a.scenario - b.scenario);
  findings.sort((a, b) => a.severity.localeCompare(b.severity) || a.scenario - b.scenario);
  const sessionProblem = f.session?.problems.some((p) => p.action !== null) ?? false;
  const open = checks.some((c) => c.result === 'unknown' || c.result === 'unexplained');
  const status: DiagnoseStatus = findings.length > 0 || sessionProblem ? 'incident' : open || f.errors.some((e) => e.source === 'engine') ? 'inconclusive' : 'healthy';
  return {
    status,
    exitCode: EXIT[status],
    window: { start: new Date(f.window.start).toISOString(), end: new Date(f.window.end).toISOString(), since: f.window.since },
    signals: f.signals,
    uncheckedSignals: f.unchecked,
    scenarios: checks,
    findings,
    sources: f.sources,
    errors: f.errors,
    timeline: f.timeline,
    ...(f.session ? { session: f.session } : {}),
    durationMs: f.durationMs,
  };
}
