import type { CheckResult, CheckStatus, DoctorReport } from './types.js';

/**
 * The text rendering of a doctor report: one line per check, aligned, with the fix on the
 * same line for a failure or warning, then a one-line verdict. No colour here: the CLI
 * passes a painter when colour is on.
 */
export type Painter = (status: CheckStatus, text: string) => string;

const MARK: Readonly<Record<CheckStatus, string>> = { ok: ' ok ', warn: 'warn', fail: 'FAIL', skipped: 'skip' };

export function renderDoctorText(report: DoctorReport, paint: Painter = (_s, t) => t): string {
  const width = Math.max(...report.checks.map((c) => c.name.length), 10);
  const lines = report.checks.map((c: CheckResult) => {
    const fix = c.fix && c.status !== 'ok' ? ` -> fix: ${c.fix}` : '';
    const ms = `${c.latencyMs} ms`.padStart(8);
    return `${paint(c.status, `[${MARK[c.status]}]`)} ${c.name.padEnd(width)} ${ms}  ${c.detail}${fix}`;
  });
  const counts = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  const verdict =
    report.status === 'ok'
      ? `all sources reachable and readable (${counts('warn')} warning(s))`
      : report.status === 'misconfigured'
        ? `${counts('fail')} check(s) failed: credentials or configuration must change (exit 2)`
        : `${counts('fail')} check(s) failed: a source is unavailable (exit 4)`;
  return [...lines, `${verdict}, in ${report.elapsedMs} ms`].join('\n');
}
