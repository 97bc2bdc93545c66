import type { ActionName } from '../types.js';
import { zeroCounts, type FleetFailure, type FleetOutcome, type FleetProgress, type OutcomeCounts, type RefusalGroup } from './types.js';

const SAMPLE = 5;
const MAX_FAILURES = 50;

/** Counts of a fleet run, per outcome and per action, with refusal reasons grouped. */
export class FleetTally {
  readonly counts: OutcomeCounts = zeroCounts();
  readonly byAction: Partial<Record<ActionName, OutcomeCounts>> = {};
  readonly refusals = new Map<string, RefusalGroup>();
  readonly failures: FleetFailure[] = [];
  failuresTotal = 0;
  verifyFailed = 0;

  constructor(private readonly onChange?: (p: Pick<FleetProgress, 'counts'>) => void) {}

  add(action: ActionName, outcome: FleetOutcome, sessionId: string, why?: { code: string; message: string }): void {
    this.counts[outcome]++;
    (this.byAction[action] ??= zeroCounts())[outcome]++;
    if (outcome === 'refused' && why) {
      // Reasons name the session or a holder; group by the part before the first colon.
      const reason = why.message.split(':')[0] ?? why.message;
      const key = `${action}\u0000${reason}`;
      const g = this.refusals.get(key) ?? { action, reason, count: 0, sample: [] };
      g.count++;
      if (g.sample.length < SAMPLE) g.sample.push(sessionId);
      this.refusals.set(key, g);
    }
    if (outcome === 'failed' && why) {
      this.failuresTotal++;
      if (why.code === 'VERIFY_FAILED') this.verifyFailed++;
      if (this.failures.length < MAX_FAILURES) this.failures.push({ sessionId, action, code: why.code, message: why.message });
    }
    this.onChange?.({ counts: this.counts });
  }

  /** Outcomes an interrupted earlier attempt of the same run recorded. */
  carry(counts: OutcomeCounts): void {
    for (const k of Object.keys(counts) as FleetOutcome[]) this.counts[k] += counts[k];
  }
}
