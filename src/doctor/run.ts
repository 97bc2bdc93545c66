import type { Config } from '../config/schema.js';
import { classifyAwsError } from '../sources/classify-aws.js';
import { EXIT_CODE_BY_KIND, SourceError } from '../sources/errors.js';
import { classifyRedisError } from '../sources/redis-errors.js';
import { withTimeout } from '../sources/timeout.js';
import { DOCTOR_CHECKS } from './checks/index.js';
import type { CheckLine, CheckResult, DoctorCheck, DoctorReport, DoctorStatus } from './types.js';

/**
 * Runs every check concurrently, each under its own budget, and turns what each one
 * throws into a `fail` line with the classified cause and its fix. Never writes: every
 * check is one cheap read (see checks/).
 */

/**
 * The per-check budget when `--timeout` is not given: doctor should answer in under 3 s,
 * so a source slower than this is reported as not answering rather than waited for.
 */
export const DOCTOR_DEFAULT_TIMEOUT_MS = 2500;

/** Past the check's own budget: the SDK and ioredis timeouts should fire first; this one always does. */
const BACKSTOP_MS = 250;

export interface DoctorOptions {
  /** Per-check budget; default {@link DOCTOR_DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** The checks to run; default every registered one. */
  checks?: readonly DoctorCheck[];
}

function classify(check: DoctorCheck, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  return check.source === 'redis' ? classifyRedisError(err) : classifyAwsError(check.source, err);
}

/** A failed line for a check that threw. */
export function failedLine(check: DoctorCheck, config: Config, err: unknown): CheckLine {
  const e = classify(check, err);
  return {
    id: check.id,
    source: check.source,
    name: check.name(config),
    status: 'fail',
    detail: e.message,
    fix: e.hint,
    error: { kind: e.kind, code: e.errorCode, message: e.message },
  };
}

async function runOne(check: DoctorCheck, config: Config, timeoutMs: number): Promise<CheckResult[]> {
  const started = performance.now();
  let lines: CheckLine[];
  try {
    lines = await withTimeout((signal) => check.run({ config, timeoutMs, signal }), timeoutMs + BACKSTOP_MS, check.source);
  } catch (err) {
    lines = [failedLine(check, config, err)];
  }
  const elapsed = Math.round(performance.now() - started);
  return lines.map((l) => ({ ...l, latencyMs: l.latencyMs ?? elapsed }));
}

/** `misconfigured` when any failure needs a credentials or config change (exit 2), else `unavailable` (exit 4). */
export function verdictOf(checks: readonly CheckResult[]): { status: DoctorStatus; exitCode: 0 | 2 | 4 } {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return { status: 'ok', exitCode: 0 };
  const needsChange = failed.some((c) => c.error !== undefined && EXIT_CODE_BY_KIND[c.error.kind] === 2);
  return needsChange ? { status: 'misconfigured', exitCode: 2 } : { status: 'unavailable', exitCode: 4 };
}

/** Checks every configured source; resolves with the report, never rejects for a source's failure. */
export async function runDoctor(config: Config, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? DOCTOR_DEFAULT_TIMEOUT_MS;
  const checks = opts.checks ?? DOCTOR_CHECKS;
  // A module that fails to load fails its check below, with the same error.
  await Promise.all(checks.map((c) => c.load().catch(() => undefined)));
  const results = (await Promise.all(checks.map((c) => runOne(c, config, timeoutMs)))).flat();
  return { ...verdictOf(results), checks: results, elapsedMs: Math.round(performance.now() - started) };
}
