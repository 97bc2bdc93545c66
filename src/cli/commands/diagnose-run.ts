import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { parseSessionId, type SessionId } from '../../core/session-id.js';
import { diagnose } from '../../diagnose/engine.js';
import { fixArgs, type CommandScope } from '../../diagnose/findings.js';
import type { DiagnoseResult } from '../../diagnose/types.js';
import { windowFor } from '../../diagnose/window.js';
import { createSourcePorts } from '../../probes/index.js';
import { PLAIN, type Palette } from '../../runbooks/index.js';
import type { CliContext, CommandResult } from '../context.js';
import { EXIT, ExitError } from '../exit-codes.js';

/** What `lab demo` (and any other caller) passes: the CLI flags, already parsed. */
export interface RunDiagnoseOptions {
  scenario?: number;
  since?: string;
  sessionId?: string;
  timeoutMs?: number;
}

function scenarioOf(raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'number' ? raw : /^[1-5]$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 5) {
    throw new ExitError(EXIT.USAGE, 'INVALID_SCENARIO', `--scenario must be 1..5, not ${JSON.stringify(String(raw))}`, 'run `manga-oncall runbook list` to see the scenarios');
  }
  return n;
}

/**
 * The diagnosis as a library call: the JSON body of `diagnose --json` (without
 * `schemaVersion` and `command`). Never prints, never prompts. `lab demo` compares its
 * findings with the seed manifest. Throws ExitError / CoreError (exit 2) for bad options
 * before any store is touched.
 */
export async function runDiagnose(config: Config, opts: RunDiagnoseOptions = {}): Promise<DiagnoseResult> {
  const scenario = scenarioOf(opts.scenario);
  const sessionId = opts.sessionId === undefined ? undefined : parseSessionId(opts.sessionId);
  const window = windowFor(opts.since);
  const effective = opts.timeoutMs ? { ...config, timeoutMs: opts.timeoutMs } : config;
  const d = await diagnose({ config: effective, window, ...(scenario ? { scenario } : {}), ...(sessionId ? { sessionId } : {}) });
  return d.result;
}

async function palette(ctx: CliContext): Promise<Palette> {
  if (!ctx.io.color) return PLAIN;
  const { Chalk, default: detected } = await import('chalk');
  const c = new Chalk({ level: detected.level > 0 ? detected.level : 1 });
  return {
    id: (s) => c.bold(s),
    decision: (s) => c.cyan(s),
    rootCause: (s) => c.red.bold(s),
    exit: (s) => c.yellow(s),
    edge: (s) => c.green(s),
    dim: (s) => c.dim(s),
    heading: (s) => c.bold.underline(s),
  };
}

/** Runs `manga-oncall fix ...` on the same terminal, so fix shows its plan and asks before writing. */
function fixRunner(scope: CommandScope) {
  return async (finding: { scenario: number }, r: { action: string }): Promise<boolean> => {
    // fix is another command of this CLI; while it is not built, the command is printed instead.
    if (!existsSync(fileURLToPath(new URL('./fix-run.js', import.meta.url)))) return false;
    const bin = fileURLToPath(new URL('../../../bin/manga-oncall.js', import.meta.url));
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [bin, ...fixArgs(finding.scenario, r.action, scope)], { stdio: 'inherit' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
    return true;
  };
}

export interface DiagnoseFlags {
  scenario?: string;
  session?: string;
  since?: string;
  report?: string;
}

/** `manga-oncall diagnose`: renders for a person (interactively on a TTY) or as one JSON document. */
export async function runDiagnoseCommand(ctx: CliContext, flags: DiagnoseFlags): Promise<CommandResult> {
  const scenario = scenarioOf(flags.scenario);
  const sessionId: SessionId | undefined = flags.session === undefined ? undefined : parseSessionId(flags.session);
  const window = windowFor(flags.since);
  const loaded = ctx.config();
  const config = loaded.config;
  const g = ctx.globals;
  const scope: CommandScope = { ...(g.config ? { config: g.config } : {}), ...(g.profile ? { profile: g.profile } : {}), ...(g.region ? { region: g.region } : {}) };
  const interactive = ctx.io.isTTY && !g.json;
  // Content is revealed only on a terminal; never in JSON, never in the report.
  const showContent = g.showContent && !g.json;

  if (!g.json) ctx.io.err(`diagnosing the last ${window.since} (every source at once, ${config.timeoutMs} ms each)...`);
  const ports = createSourcePorts(config);
  let d;
  try {
    d = await diagnose({ config, window, ports, scope, showContent, ...(scenario ? { scenario } : {}), ...(sessionId ? { sessionId } : {}) });
  } finally {
    await ports.close();
  }
  const warning = ports.redisWarning();
  if (warning) ctx.io.err(`WARNING: ${warning}`);
  for (const s of d.result.sources) ctx.io.verbose(`${s.name}: ${s.status} in ${s.latencyMs} ms (${s.queries} queries)${s.error ? `: ${s.error.message}` : ''}`);

  const p = await palette(ctx);
  let result = d.result;
  let text: string | undefined;
  if (interactive) {
    const { walkInteractively } = await import('../../diagnose/interactive.js');
    const { select } = await import('@inquirer/prompts');
    // Ctrl-C at a question ends the questions, not the diagnosis: that question and
    // every later one take their default (leave it open; run no remediation), so the verdict
    // and its exit code stand as found and nothing is written. Before this, the prompt's
    // ExitPromptError reached runCommand as an internal error (exit 1, "this is a bug").
    let stopped = false;
    result = await walkInteractively(d, {
      out: (t) => ctx.io.out(t),
      palette: p,
      prompter: {
        select: async (message, choices, defaultValue) => {
          if (stopped) return defaultValue;
          try {
            return await select({ message, choices: [...choices], default: defaultValue });
          } catch (err) {
            if ((err as { name?: string } | null)?.name !== 'ExitPromptError') throw err;
            stopped = true;
            ctx.io.err('interrupted: no more questions; the verdict stands as found and nothing was changed');
            return defaultValue;
          }
        },
      },
      runFix: fixRunner(scope),
    });
  } else {
    const { renderDiagnosis } = await import('../../diagnose/render-text.js');
    text = renderDiagnosis(result, p);
  }

  let reportPath: string | undefined;
  if (flags.report) {
    const { renderReport } = await import('../../diagnose/report.js');
    try {
      // The report never carries content, even when the terminal was allowed to show it.
      await writeFile(flags.report, renderReport(result, d.runbooks, { contentRevealed: showContent }), { encoding: 'utf8', mode: 0o600 });
      reportPath = flags.report;
      if (!g.json) ctx.io.err(`incident report written to ${flags.report}`);
    } catch (err) {
      const message = `could not write the report to ${flags.report}: ${(err as Error).message}`;
      result = { ...result, errors: [...result.errors, { source: 'engine', code: 'REPORT_NOT_WRITTEN', message, hint: 'check the path and its directory permissions' }] };
      ctx.io.err(`error: ${message}`);
    }
  }
  const json = { ...result, ...(reportPath ? { report: reportPath } : {}) } as unknown as Record<string, unknown>;
  return { exitCode: result.exitCode, json, ...(text !== undefined ? { text } : { text: '' }) };
}
