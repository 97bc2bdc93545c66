import type { RecoveryAction, SessionHealthStatus } from '../core/sessions/index.js';

/**
 * The classes `scan redis` sorts sessions into. The first four judge a session's data (its
 * turns list and backup, by the core's `classifyRawSession`); the last two judge its
 * coordination keys. A session is counted once among the data classes, and may also be
 * counted under `routing_left_over` or `lock_without_owner`: the scan never joins a
 * session's keys in memory (a fleet-sized join is exactly what it must not hold).
 */
export type FleetClass =
  | 'healthy'
  | 'restorable_from_backup'
  | 'partially_recoverable'
  | 'unrecoverable'
  | 'routing_left_over'
  | 'lock_without_owner';

export const FLEET_CLASSES: readonly FleetClass[] = [
  'healthy',
  'restorable_from_backup',
  'partially_recoverable',
  'unrecoverable',
  'routing_left_over',
  'lock_without_owner',
];

/** The remediation (contract name) each problem class calls for. */
export const REMEDIATION_OF: Readonly<Record<FleetClass, string | null>> = {
  healthy: null,
  restorable_from_backup: 'restore-backup',
  partially_recoverable: 'partial-recover',
  unrecoverable: 'clean-slate',
  routing_left_over: 'clear-routing',
  lock_without_owner: 'release-lock',
};

/** The data class of the core's recommendation (null: nothing to repair). */
export function dataClassOf(action: RecoveryAction | null): FleetClass {
  if (action === 'restore-backup') return 'restorable_from_backup';
  if (action === 'partial-recover') return 'partially_recoverable';
  if (action === 'clean-slate') return 'unrecoverable';
  return 'healthy';
}

export interface ClassCount {
  count: number;
  /** The first few session ids seen in the class (bounded: never the whole class). */
  sample: string[];
}

export interface NodeReport {
  node: string;
  status: 'ok' | 'unavailable';
  keysScanned: number;
  /** Why the node could not be scanned (a classified source error). */
  error?: { code: string; message: string; hint?: string };
}

/** What one `scan redis` found. Counts and bounded samples only: its size does not grow with the fleet. */
export interface RedisFleetReport {
  mode: 'single' | 'cluster';
  layout: { prefix: string; hashTags: boolean };
  /** The SCAN MATCH pattern used. */
  pattern: string;
  /** False when `--limit` stopped the scan or a node could not be scanned. */
  complete: boolean;
  stoppedAtLimit: boolean;
  nodes: NodeReport[];
  keysScanned: number;
  /** Sessions judged by their data (a turns list, or a backup without one). */
  sessions: number;
  classes: Record<FleetClass, ClassCount>;
  /** The core's finer verdicts behind the data classes. */
  statuses: Partial<Record<SessionHealthStatus, number>>;
  /** Sessions whose list was longer than the per-session read cap: judged on the entries read. */
  partiallyExamined: number;
  /** Locks whose key is not a string (not written by a lock holder we know). */
  locksOfWrongType: number;
  /** Keys under the session prefix that are not a valid session key (skipped). */
  foreignKeys: number;
  /** Sessions seen whose other key lives on an unreachable master: not judged (the scan is incomplete). */
  unjudged: number;
  /** Sessions with at least one problem class, counted per class (a session may count twice). */
  problems: number;
  durationMs: number;
}

/** Progress, reported after every batch. `keysTotal` is the keyspace size (DBSIZE) when known. */
export interface ScanProgress {
  keysScanned: number;
  keysTotal: number | null;
  sessions: number;
  nodesDone: number;
  nodes: number;
}

/** Counts per class plus the first few ids of each; memory is bounded by `samplesPerClass`. */
export class ClassTally {
  readonly classes: Record<FleetClass, ClassCount>;
  readonly statuses: Partial<Record<SessionHealthStatus, number>> = {};

  constructor(private readonly samplesPerClass: number) {
    this.classes = Object.fromEntries(FLEET_CLASSES.map((c) => [c, { count: 0, sample: [] as string[] }])) as Record<FleetClass, ClassCount>;
  }

  add(cls: FleetClass, sessionId: string): void {
    const entry = this.classes[cls];
    entry.count++;
    if (entry.sample.length < this.samplesPerClass) entry.sample.push(sessionId);
  }

  addStatus(status: SessionHealthStatus): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  problems(): number {
    return FLEET_CLASSES.filter((c) => c !== 'healthy').reduce((sum, c) => sum + this.classes[c].count, 0);
  }
}
