/**
 * What a scenario generator is and what it promises. The expectation of each variant names
 * the seed's flowchart nodes diagnose should walk (ids as in the seed's mermaid charts) and
 * the root cause it should name; the demo and diagnose's tests compare findings to it.
 */
import type { SeedContext } from './context.js';
import type { AlarmName } from './metrics.js';
import type { GeneratedPart } from './model.js';
import type { Rng } from './rng.js';

export type ScenarioNumber = 1 | 2 | 3 | 4 | 5;
export const SCENARIO_NUMBERS: readonly ScenarioNumber[] = [1, 2, 3, 4, 5];

/**
 * - `root-cause`: the runbook applies; diagnose names the root cause and offers remediations.
 * - `other-runbook`: the flowchart hands off to a different runbook (connectivity, deployment, latency, response pipeline).
 * - `benign`: the alarm fired but the flowchart finds no incident (legitimate multi-agent query).
 */
export type Verdict = 'root-cause' | 'other-runbook' | 'benign';

export interface ScenarioExpectation {
  verdict: Verdict;
  /**
   * The root cause id of the runbook (runbooks/s<N>-*.json, `rootCause.id`) for `root-cause`
   * verdicts; for the others the flowchart's exit node, qualified as `s<N>.<node>`.
   */
  rootCauseId: string;
  /** Flowchart node ids, in order, from the seed's detection chart of this scenario. */
  path: readonly string[];
  /** The alarm this variant trips, or null (scenario 3 is found post hoc, not by an alarm). */
  alarm: AlarmName | null;
}

/** One seeded scenario, as listed in the manifest. */
export interface ScenarioManifest {
  scenario: ScenarioNumber;
  name: string;
  variant: string;
  expected: ScenarioExpectation;
  /** Every session the scenario touched, sorted. */
  affectedSessions: string[];
  /** Scenario-specific facts (per-session corruption, invented titles, item sizes, lock tokens...). */
  details: Record<string, unknown>;
}

export interface ScenarioResult extends GeneratedPart {
  manifest: ScenarioManifest;
}

/** What the rest of the seed looks like, for scenarios whose signal is relative (a p99). */
export interface TrafficProfile {
  /** Background turns answered per minute (by response time). */
  answeredPerMinute: ReadonlyMap<number, number>;
}

export interface ScenarioDefinition {
  scenario: ScenarioNumber;
  /** The default variant's name, also the scenario's short name. */
  name: string;
  /** All variants, the default first, each with its expectation. */
  variants: Readonly<Record<string, ScenarioExpectation>>;
  generate(rng: Rng, ctx: SeedContext, variant: string, traffic: TrafficProfile): ScenarioResult;
}

/** Helper for generators: the manifest entry from the parts. */
export function manifestOf(def: Pick<ScenarioDefinition, 'scenario' | 'name' | 'variants'>, variant: string, sessions: readonly string[], details: Record<string, unknown>): ScenarioManifest {
  const expected = def.variants[variant];
  if (!expected) throw new Error(`scenario ${def.scenario} has no variant ${variant}`);
  return { scenario: def.scenario, name: def.name, variant, expected, affectedSessions: [...sessions].sort(), details };
}
