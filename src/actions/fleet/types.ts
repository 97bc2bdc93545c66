import type { ActionName } from '../types.js';

/** What `fix fleet` repairs: the sessions a scenario affects, or those an action applies to. */
export type FleetSelector = { kind: 'scenario'; scenario: 1 | 2 | 3 | 4 | 5 } | { kind: 'action'; action: ActionName };

/** Per session and action: applied (and verified), skipped (already done), refused, failed. */
export type FleetOutcome = 'applied' | 'skipped' | 'refused' | 'failed';

export type OutcomeCounts = Record<FleetOutcome, number>;

export function zeroCounts(): OutcomeCounts {
  return { applied: 0, skipped: 0, refused: 0, failed: 0 };
}

export interface FleetProgress {
  phase: 'scan' | 'plan' | 'apply';
  /** Units of the phase: sessions scanned, sessions planned, changes applied. */
  done: number;
  total: number | null;
  counts: OutcomeCounts;
}

/** One reason many sessions were refused, with a few of them. */
export interface RefusalGroup {
  action: ActionName;
  reason: string;
  count: number;
  sample: string[];
}

export interface FleetFailure {
  sessionId: string;
  action: ActionName;
  code: string;
  message: string;
}

export function describeSelector(s: FleetSelector): string {
  return s.kind === 'scenario' ? `--scenario ${s.scenario}` : `--action ${s.action}`;
}
