import type { Config } from '../config/schema.js';
import type { KeyLayout } from '../core/keys.js';
import type { Evidence, ProbeAnswer, ProbeId } from '../runbooks/index.js';
import type { SourceName } from '../sources/errors.js';
import type { SourcePorts } from './ports.js';

/**
 * The probe framework. A probe answers one flowchart decision (an id of
 * src/runbooks/probe-ids.ts) from the answers of {@link Question}s: queries to one source,
 * each run once per diagnosis however many probes need it (the routing-pattern and the
 * routing-confidence probes read the same Logs Insights query). Probes never print, never
 * write, and throw only a source's typed error, which the engine turns into an `unknown`
 * answer for every probe that needed that source.
 */

/** The time range a diagnosis looks at, epoch ms, start inclusive, end inclusive. */
export interface DiagnosisWindow {
  readonly start: number;
  readonly end: number;
}

/** Bounds on what the fleet-wide questions read, so a huge fleet cannot make diagnose slow. */
export interface ProbeLimits {
  /** Sessions the Redis scan examines at most; beyond it the answer says it is incomplete. */
  readonly maxRedisSessions: number;
  /** Entries of one turns list read at most (the rest is counted, not parsed). */
  readonly maxEntriesPerSession: number;
  /** DynamoDB items the long-session scan reads at most. */
  readonly maxDynamoItems: number;
  /** Candidate sessions whose full item is fetched to measure its exact size. */
  readonly maxSizedItems: number;
  /** Session ids a probe keeps per answer (the count stays exact). */
  readonly maxAffectedIds: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = {
  maxRedisSessions: 50_000,
  maxEntriesPerSession: 2000,
  maxDynamoItems: 200_000,
  maxSizedItems: 200,
  maxAffectedIds: 1000,
};

/** What every question runs with: the sources, the configuration and the window. */
export interface QuestionEnv {
  readonly config: Config;
  readonly layout: KeyLayout;
  readonly window: DiagnosisWindow;
  readonly limits: ProbeLimits;
  readonly sources: SourcePorts;
  /** Fires at the diagnosis deadline (the per-source timeout): stop and let go. */
  readonly signal: AbortSignal;
}

/**
 * One query to one source. Questions with the same `key` are the same query: the engine
 * runs it once and hands its answer (or its failure) to every probe that asks.
 */
export interface Question<T> {
  readonly key: string;
  readonly source: SourceName;
  /** The query as a person could re-run it (Insights text, API call), for the evidence. */
  describe(env: QuestionEnv): string;
  run(env: QuestionEnv): Promise<T>;
}

/** Sessions a probe's answer is about: the exact count, and up to `maxAffectedIds` ids. */
export interface AffectedSessions {
  readonly count: number;
  readonly ids: readonly string[];
}

/**
 * A probe's reply: the walker's {@link ProbeAnswer} plus what the engine needs beyond one
 * branch: the sessions it names (for a finding's `affectedSessions`), every outcome that
 * holds when several do (the tree's triage follows each), and moments for the timeline.
 */
export type ProbeResult = ProbeAnswer & {
  affected?: AffectedSessions;
  /** All outcomes that hold, when more than one does (the answered `outcome` is the first). */
  outcomes?: readonly string[];
  /** Signals the triage could not check because a source failed (see the triage probe). */
  unchecked?: readonly string[];
  /** Moments worth a line in the incident timeline, epoch ms. */
  timeline?: readonly TimelineEntry[];
};

export interface TimelineEntry {
  readonly at: number;
  readonly source: SourceName;
  readonly what: string;
}

/** What a probe sees: the questions it may ask and the other probes it may build on. */
export interface ProbeContext {
  readonly config: Config;
  readonly window: DiagnosisWindow;
  readonly limits: ProbeLimits;
  /** The answer of a question, run at most once per diagnosis; rejects with a SourceError. */
  ask<T>(question: Question<T>): Promise<T>;
  /** The query text of a question, for the evidence. */
  describe(question: Question<unknown>): string;
  /** Another probe's result (memoized): the triage builds on the signal probes. */
  probe(id: ProbeId): Promise<ProbeResult>;
}

/** One probe: the implementation of one probe id. */
export interface ProbeDefinition {
  readonly id: ProbeId;
  /** The sources its answer depends on, for `sources[]` and the interactive walk. */
  readonly sources: readonly SourceName[];
  /** True when its `affected` sessions are the ones a finding is about (not context). */
  readonly namesAffected: boolean;
  answer(ctx: ProbeContext): Promise<ProbeResult>;
}

/** An answered result. */
export function answered(outcome: string, evidence: Evidence[], extra: Omit<ProbeResult, 'status' | 'outcome' | 'evidence'> = {}): ProbeResult {
  return { status: 'answered', outcome, evidence, ...extra };
}

/** Exact count, ids capped. */
export function affectedOf(ids: Iterable<string>, max: number): AffectedSessions {
  const all = [...new Set(ids)].sort();
  return { count: all.length, ids: all.slice(0, max) };
}

/** `3 sessions` / `1 session`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
