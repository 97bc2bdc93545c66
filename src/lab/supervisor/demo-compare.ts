import type { SeedManifest } from '../seed/manifest.js';
import type { ScenarioNumber, Verdict } from '../seed/scenario-types.js';

/**
 * The part of `diagnose --json`'s body the demo reads (contract section 4): each finding's
 * scenario, root cause and affected sessions. Everything else is carried along unread.
 */
export interface DiagnoseFindingLike {
  scenario: number;
  rootCause: { id: string; title?: string };
  affectedSessions?: { count: number; sample?: string[] };
}
export interface DiagnoseBodyLike {
  status?: string;
  findings: DiagnoseFindingLike[];
}

/** `runDiagnose` from src/cli/commands/diagnose-run.ts (agreed with its author). */
export type RunDiagnose = (
  config: import('../../config/schema.js').Config,
  opts: { scenario?: number; since?: string; sessionId?: string; timeoutMs?: number },
) => Promise<unknown>;

export interface ScenarioCheck {
  scenario: ScenarioNumber;
  name: string;
  variant: string;
  verdict: Verdict;
  expectedRootCause: string;
  /** The root cause ids diagnose named for this scenario (none for a benign variant is right). */
  diagnosed: string[];
  found: boolean;
  seededSessions: number;
  diagnosedSessions: number | null;
}

function isFinding(x: unknown): x is DiagnoseFindingLike {
  const f = x as DiagnoseFindingLike;
  return typeof f === 'object' && f !== null && typeof f.scenario === 'number' && typeof f.rootCause?.id === 'string';
}

/** Reads the findings out of diagnose's body; a body without a findings list is a bug there. */
export function findingsOf(body: unknown): DiagnoseFindingLike[] {
  const list = (body as { findings?: unknown })?.findings;
  if (!Array.isArray(list)) throw new TypeError('diagnose returned no findings list');
  return list.filter(isFinding);
}

/**
 * Did diagnose find what was seeded? For each seeded scenario: found when a finding of that
 * scenario names the expected root cause id; a `benign` variant (the flowchart's
 * "legitimate" branch) is also found when diagnose reports nothing for that scenario.
 */
export function compareWithManifest(manifest: SeedManifest, body: unknown): ScenarioCheck[] {
  const findings = findingsOf(body);
  return manifest.scenarios.map((s) => {
    const own = findings.filter((f) => f.scenario === s.scenario);
    const diagnosed = own.map((f) => f.rootCause.id);
    const match = own.find((f) => f.rootCause.id === s.expected.rootCauseId);
    const found = match !== undefined || (s.expected.verdict === 'benign' && own.length === 0);
    return {
      scenario: s.scenario,
      name: s.name,
      variant: s.variant,
      verdict: s.expected.verdict,
      expectedRootCause: s.expected.rootCauseId,
      diagnosed,
      found,
      seededSessions: s.affectedSessions.length,
      diagnosedSessions: match?.affectedSessions?.count ?? null,
    };
  });
}

/** Sources diagnose could not read (contract section 4: `sources[]` with status and error), to explain a miss. */
export function failedSourcesOf(body: unknown): Array<{ name: string; error: string }> {
  const list = (body as { sources?: unknown })?.sources;
  if (!Array.isArray(list)) return [];
  return list
    .filter((s): s is { name: string; status: string; error?: unknown } => typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string')
    .filter((s) => s.status !== 'ok')
    .map((s) => {
      const e = s.error as { code?: unknown; message?: unknown } | string | null | undefined;
      const error = typeof e === 'string' ? e : e ? [e.code, e.message].filter((x) => typeof x === 'string').join(': ') : s.status;
      return { name: s.name, error };
    });
}
