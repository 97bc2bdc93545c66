import { probeFor, type ProbeResult } from '../probes/index.js';
import { oneLine, type Runbook, type WalkResult, type WalkStep } from '../runbooks/index.js';
import { handoffOf } from './handoffs.js';
import type { EvidenceItem, Finding, ScenarioCheck, WalkQuestion } from './types.js';

/** The global flags a pasted `fix` command must carry to reach the same systems. */
export interface CommandScope {
  /** `--config` as given; the Redis URL is never repeated (it may hold a password). */
  config?: string;
  profile?: string;
  region?: string;
  /** With `diagnose --session`: commands for that session instead of the fleet. */
  sessionId?: string;
}

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The argv of the `fix` command for a remediation (after `manga-oncall`). */
export function fixArgs(scenario: number, action: string, scope: CommandScope): string[] {
  const target = scope.sessionId ? ['fix', 'session', scope.sessionId, '--action', action] : ['fix', 'fleet', '--scenario', String(scenario), '--action', action];
  return [
    ...target,
    ...(scope.config ? ['--config', scope.config] : []),
    ...(scope.profile ? ['--profile', scope.profile] : []),
    ...(scope.region ? ['--region', scope.region] : []),
  ];
}

/** `manga-oncall fix fleet --scenario 1 --action restore-backup --config ./prod.json`, ready to paste. */
export function fixCommand(scenario: number, action: string, scope: CommandScope): string {
  return ['manga-oncall', ...fixArgs(scenario, action, scope)].map(shellWord).join(' ');
}

/** How a walk came to be walked. */
export interface WalkOrigin {
  runbook: Runbook;
  selectedBy: ScenarioCheck['selectedBy'];
  signals: string[];
  /** True when an alert signal (not just --scenario or a failed source) points at this runbook. */
  signalled: boolean;
  scope: CommandScope;
}

function evidenceOf(steps: readonly WalkStep[]): EvidenceItem[] {
  return steps.flatMap((s) => {
    const a = s.answer;
    if (!a) return [];
    const base = {
      node: s.node,
      ...(s.probe ? { probe: s.probe } : {}),
      ...(a.status === 'answered' ? { outcome: a.outcome } : {}),
      ...(s.answeredBy ? { answeredBy: s.answeredBy } : {}),
    };
    const items = a.evidence.map((e) => ({ ...base, source: e.source, summary: e.summary, ...(e.data !== undefined ? { data: e.data } : {}), ...(e.query ? { query: e.query } : {}) }));
    return a.status === 'unknown' && items.length === 0 ? [{ ...base, source: 'engine', summary: `no answer: ${a.error ?? 'unknown'}` }] : items;
  });
}

/**
 * The sessions a finding is about: the union of the sessions named by the decisions and
 * confirmations the walk took (a root cause's own probe is context, e.g. scenario 1's race
 * check, and a signal names none). The count is exact when every probe listed all its ids.
 */
export function affectedOf(steps: readonly WalkStep[], sampleSize = 10): { count: number; sample: string[]; ids: Set<string> } {
  const ids = new Set<string>();
  let floor = 0;
  for (const s of steps) {
    if (!s.probe || s.kind === 'signal' || s.kind === 'root_cause') continue;
    const affected = (s.answer as ProbeResult | undefined)?.affected;
    if (!affected || !probeFor(s.probe).namesAffected) continue;
    affected.ids.forEach((id) => ids.add(id));
    floor = Math.max(floor, affected.count);
  }
  return { count: Math.max(ids.size, floor), sample: [...ids].sort().slice(0, sampleSize), ids };
}

function questionOf(walk: Extract<WalkResult, { status: 'unknown' | 'no_branch' }>): WalkQuestion {
  return {
    node: walk.question.node,
    text: oneLine(walk.question.text),
    choices: walk.question.choices.map((c) => ({ label: oneLine(c.label), outcomes: c.outcomes })),
    ...(walk.status === 'unknown' && walk.error ? { error: walk.error } : {}),
  };
}

/** Turns a finished walk into its scenario check and, when it found something, its finding. */
export function judgeWalk(walk: WalkResult, origin: WalkOrigin): { check: ScenarioCheck; finding?: Finding; affectedIds: Set<string> } {
  const rb = origin.runbook;
  const base = { scenario: rb.scenario, runbook: rb.id, title: rb.title, selectedBy: origin.selectedBy, signals: origin.signals, path: walk.path };
  const affected = affectedOf(walk.steps);
  const findingBase = { scenario: rb.scenario, runbook: rb.id, title: rb.title, path: walk.path, evidence: evidenceOf(walk.steps), affectedSessions: { count: affected.count, sample: affected.sample } };
  const none = { affectedIds: affected.ids };
  switch (walk.status) {
    case 'root_cause': {
      const rc = walk.rootCause;
      const finding: Finding = {
        ...findingBase,
        severity: rc.severity,
        verdict: 'root-cause',
        rootCause: { id: rc.id, title: rc.title },
        remediations: rc.remediations.map((r) => ({ action: r.action, command: fixCommand(rb.scenario, r.action, origin.scope), writes: r.writes, note: r.note })),
      };
      return { check: { ...base, result: 'finding', summary: `root cause: ${rc.title}` }, finding, ...none };
    }
    case 'exit': {
      const h = handoffOf(rb, walk.end);
      if (!origin.signalled) {
        // An exit explains an alert; without one (a forced or a precautionary walk) it only
        // says the scenario's pattern is absent, unless a failed source hid the alert.
        const result = origin.selectedBy === 'unchecked' && !h.benign ? 'unknown' : 'not_observed';
        const summary = result === 'unknown' ? `${h.title}, but whether its alert fired is unknown (its source failed)` : `no sign of ${rb.shortTitle.toLowerCase()}: ${walk.reason}`;
        return { check: { ...base, result, summary }, ...none };
      }
      if (h.benign) return { check: { ...base, result: 'dismissed', summary: `${h.title}: ${walk.reason}` }, ...none };
      const finding: Finding = {
        ...findingBase,
        severity: rb.severity,
        verdict: 'other-runbook',
        rootCause: { id: h.id, title: h.title },
        remediations: [],
        handoff: { reason: walk.reason, runbook: walk.otherRunbook },
      };
      return { check: { ...base, result: 'finding', summary: `${h.title}: ${walk.reason}` }, finding, ...none };
    }
    case 'unknown':
      return { check: { ...base, result: 'unknown', summary: `could not answer "${oneLine(walk.question.text)}"${walk.error ? `: ${walk.error}` : ''}`, question: questionOf(walk) }, ...none };
    case 'no_branch': {
      const q = questionOf(walk);
      if (!origin.signalled) return { check: { ...base, result: 'not_observed', summary: `no sign of ${rb.shortTitle.toLowerCase()} ("${q.text}": ${walk.outcome})` }, ...none };
      return {
        check: { ...base, result: 'unexplained', summary: `${origin.signals.join(', ')} fired, but "${q.text}" answered ${walk.outcome}, which no branch of the flowchart takes`, question: q },
        ...none,
      };
    }
    case 'scenario':
      // Only the tree ends in a scenario box; runbooks never do.
      return { check: { ...base, result: 'not_observed', summary: `handed over to ${walk.target}` }, ...none };
  }
}
