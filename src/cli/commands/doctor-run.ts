import chalk from 'chalk';
import { DOCTOR_DEFAULT_TIMEOUT_MS, runDoctor } from '../../doctor/run.js';
import { renderDoctorText, type Painter } from '../../doctor/render.js';
import type { CliContext, CommandResult } from '../context.js';

const PAINT: Painter = (status, text) => (status === 'ok' ? chalk.green(text) : status === 'fail' ? chalk.red.bold(text) : status === 'warn' ? chalk.yellow(text) : chalk.dim(text));

/**
 * Runs every check. The per-check budget is --timeout (or its variable or config value)
 * when given, else 2.5 s, so doctor answers within 3 s even when a source hangs.
 */
export async function runDoctorCommand(ctx: CliContext): Promise<CommandResult> {
  const loaded = ctx.config();
  const timeoutMs = loaded.provenance.timeoutMs ? loaded.config.timeoutMs : DOCTOR_DEFAULT_TIMEOUT_MS;
  const report = await runDoctor(loaded.config, { timeoutMs });
  for (const c of report.checks) ctx.io.verbose(`${c.id}: ${c.status} in ${c.latencyMs} ms`);
  return {
    exitCode: report.exitCode,
    json: { status: report.status, elapsedMs: report.elapsedMs, timeoutMs, checks: report.checks },
    text: renderDoctorText(report, ctx.io.color ? PAINT : undefined),
  };
}
