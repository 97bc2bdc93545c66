import type { ActionName, Severity } from '../runbooks/index.js';
import type { SourceName } from '../sources/errors.js';
import type { SessionView } from '../probes/session/types.js';

/**
 * The result of `manga-oncall diagnose`: the body of its JSON document (the runner adds
 * `schemaVersion` and `command`), published as schemas/diagnose.schema.json. Built by the
 * engine, rendered separately as text, as a Markdown report, or as JSON.
 */
export interface DiagnoseResult {
  /** `incident` when any finding; else `inconclusive` when a needed source failed; else `healthy`. */
  status: DiagnoseStatus;
  /** The contract's exit code for the status: 0, 3 or 4. */
  exitCode: 0 | 3 | 4;
  window: { start: string; end: string; since: string };
  /** Alert signals the triage saw, as the tree names them (`alarm:sessionErrors`...). */
  signals: string[];
  /** Signals a failed source left unchecked (their runbooks were walked to rule them out). */
  uncheckedSignals: string[];
  /** One entry per scenario runbook: whether it was walked, why, and where it ended. */
  scenarios: ScenarioCheck[];
  findings: Finding[];
  sources: SourceReport[];
  errors: DiagnoseError[];
  /** Signals in time order: alarm changes, first errors, cache events. */
  timeline: TimelineItem[];
  /** With `--session`: that conversation across every store. */
  session?: SessionView;
  durationMs: number;
}

export type DiagnoseStatus = 'healthy' | 'incident' | 'inconclusive';

/** One source as this run saw it. */
export interface SourceReport {
  name: SourceName;
  status: 'ok' | 'error';
  /** Its slowest query, ms (a source's queries run concurrently, so this is what it cost the run). */
  latencyMs: number;
  queries: number;
  error: SourceErrorInfo | null;
}

export interface SourceErrorInfo {
  code: string;
  kind: string;
  /** One line: what failed. */
  message: string;
  /** What to do about it. */
  hint: string;
}

export interface DiagnoseError {
  source: SourceName | 'engine';
  code: string;
  message: string;
  hint?: string;
}

export interface TimelineItem {
  at: string;
  source: string;
  what: string;
}

/**
 * - `finding`: the walk named a root cause, or handed over to another runbook while its alarm fired;
 * - `dismissed`: the flowchart says it is not an incident (a legitimate multi-agent query);
 * - `not_observed`: walked, but the data does not show this scenario;
 * - `unknown`: a probe could not answer (its source failed): inconclusive;
 * - `unexplained`: a signal fired but the data took no branch of the flowchart: inconclusive;
 * - `not_walked`: no signal selected it.
 */
export type CheckResult = 'finding' | 'dismissed' | 'not_observed' | 'unknown' | 'unexplained' | 'not_walked';

export interface ScenarioCheck {
  scenario: number;
  runbook: string;
  title: string;
  /** `signal`: the triage chose it; `flag`: --scenario; `unchecked`: a failed source could not rule it out. */
  selectedBy: 'signal' | 'flag' | 'unchecked' | 'none';
  signals: string[];
  result: CheckResult;
  /** Node ids the walk took, in order. */
  path: string[];
  /** One line on how it ended. */
  summary: string;
  /** Where an unknown or unexplained walk stopped: the flowchart's question, for the engineer. */
  question?: WalkQuestion;
}

export interface WalkQuestion {
  node: string;
  text: string;
  choices: { label: string; outcomes: string[] }[];
  /** Why the probe could not answer. */
  error?: string;
}

/** One decision's evidence, in walk order. */
export interface EvidenceItem {
  node: string;
  probe?: string;
  outcome?: string;
  /** `engineer` when the answer was given by hand in the interactive walk. */
  answeredBy?: 'probe' | 'engineer';
  source: string;
  summary: string;
  data?: unknown;
  query?: string;
}

export interface Remediation {
  action: ActionName;
  /** Ready to paste. */
  command: string;
  writes: boolean;
  note: string;
}

export interface Finding {
  scenario: number;
  runbook: string;
  title: string;
  severity: Severity;
  /** `other-runbook`: the flowchart hands this alert to a runbook outside the five. */
  verdict: 'root-cause' | 'other-runbook';
  rootCause: { id: string; title: string };
  path: string[];
  evidence: EvidenceItem[];
  affectedSessions: { count: number; sample: string[] };
  remediations: Remediation[];
  /** For `other-runbook`: why, and which runbook (null when none of ours). */
  handoff?: { reason: string; runbook: string | null };
}
