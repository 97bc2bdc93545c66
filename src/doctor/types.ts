import type { Config } from '../config/schema.js';
import type { SourceErrorKind, SourceName } from '../sources/errors.js';

/**
 * What `doctor` reports: one result per thing checked, each from one cheap read. A check
 * never writes and never prints; the runner times it out and classifies what it throws.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  /** Stable id: `redis`, `redis.master.10.0.0.1:6379`, `redis.crossslot`, `logs`, `dynamodb.sessions`... */
  id: string;
  source: SourceName;
  /** For the engineer: what was checked, e.g. `DynamoDB table manga_sessions`. */
  name: string;
  status: CheckStatus;
  latencyMs: number;
  /** What the read showed (ok, warn, skipped) or what failed (fail). One line, no secrets. */
  detail: string;
  /** What to do about a failure or warning. */
  fix?: string;
  /** The classified failure (fail only). */
  error?: { kind: SourceErrorKind; code: string; message: string };
}

export interface CheckContext {
  config: Config;
  /** Budget of each check, connection included. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** A line a check reports; the runner fills `latencyMs` with the check's own time when absent. */
export type CheckLine = Omit<CheckResult, 'latencyMs'> & { latencyMs?: number };

/** One source's check; may report several lines (Redis: the connection, each master, the CROSSSLOT hazard). */
export interface DoctorCheck {
  id: string;
  source: SourceName;
  /** The line's name, also used when the check fails before it can say more. Never throws. */
  name(config: Config): string;
  /**
   * Loads the modules the check needs (SDK clients, ioredis). The runner awaits every
   * load before it starts any clock: loading is CPU, not the source's latency, and on a
   * busy machine it would otherwise eat the budget of every check at once.
   */
  load(): Promise<unknown>;
  run(ctx: CheckContext): Promise<CheckLine[]>;
}

/** The overall verdict: `misconfigured` (exit 2) outranks `unavailable` (exit 4). */
export type DoctorStatus = 'ok' | 'unavailable' | 'misconfigured';

export interface DoctorReport {
  status: DoctorStatus;
  /** The contract's exit code for the verdict: 0, 4 or 2. */
  exitCode: 0 | 2 | 4;
  checks: CheckResult[];
  /** Wall time of the whole run. */
  elapsedMs: number;
}
