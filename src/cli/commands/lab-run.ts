/**
 * The implementations of `lab up | status | down | seed | demo`, loaded on demand by
 * lab.ts. They call src/lab/supervisor, map its typed errors to exit codes, and hand the
 * results to lab-render.ts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../../config/load.js';
import { labDown, labStatus, labUp, LabError, type LabErrorCode } from '../../lab/supervisor/client.js';
import type { RunDiagnose } from '../../lab/supervisor/demo-compare.js';
import { LabSeedError } from '../../lab/seed/errors.js';
import type { CliContext, CommandResult } from '../context.js';
import { EXIT, ExitError, type ExitCode } from '../exit-codes.js';
import * as render from './lab-render.js';

const LAB_EXIT: Record<LabErrorCode, ExitCode> = {
  REDIS_BINARY_MISSING: EXIT.USAGE,
  BAD_OPTION: EXIT.USAGE,
  START_FAILED: EXIT.INTERNAL,
  NOT_RUNNING: EXIT.INCONCLUSIVE,
  BUSY: EXIT.REFUSED,
  LEFTOVER: EXIT.VERIFY_FAILED,
  INTERRUPTED: EXIT.INTERRUPTED,
};

/** Runs a lab step, turning its typed failures into the contract's exit codes. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LabError) throw new ExitError(LAB_EXIT[err.code], err.code, err.message, err.hint);
    if (err instanceof LabSeedError && err.code === 'BAD_OPTION') throw new ExitError(EXIT.USAGE, 'BAD_OPTION', err.message);
    throw err;
  }
}

const progressOf = (ctx: CliContext) => (line: string) => ctx.io.err(line);

export interface DirFlag {
  dir?: string;
}

export async function runLabUp(ctx: CliContext, flags: DirFlag): Promise<CommandResult> {
  const result = await mapped(() =>
    labUp({ ...(flags.dir ? { dir: flags.dir } : {}), ...(ctx.globals.redisUrl ? { redisUrl: ctx.globals.redisUrl } : {}), progress: progressOf(ctx) }),
  );
  const allUp = result.health.every((h) => h.up);
  if (!allUp) ctx.io.err(`some services of the running lab are down: run lab down --dir ${result.paths.dir}, then lab up`);
  return { exitCode: allUp ? EXIT.OK : EXIT.INCONCLUSIVE, json: render.upJson(result), text: render.upText(result) };
}

/** Exit 0: every service up. 4: partly down, or no lab at all (nothing to answer for it). */
export async function runLabStatus(ctx: CliContext, flags: DirFlag): Promise<CommandResult> {
  const status = await mapped(() => labStatus(flags.dir ? { dir: flags.dir } : {}));
  const exitCode = status.running && status.allUp ? EXIT.OK : EXIT.INCONCLUSIVE;
  return { exitCode, json: render.statusJson(status), text: render.statusText(status) };
}

export async function runLabDown(ctx: CliContext, flags: DirFlag): Promise<CommandResult> {
  const down = await mapped(() => labDown(flags.dir ? { dir: flags.dir } : {}));
  const clean = !down.wasRunning || down.leftovers.length === 0;
  if (!clean) ctx.io.err('lab down could not stop everything; the pids and ports above are still in use');
  return { exitCode: clean ? EXIT.OK : EXIT.VERIFY_FAILED, json: render.downJson(down), text: render.downText(down) };
}

export interface SeedFlags extends DirFlag {
  scenario?: string;
  sessions?: string;
  seed?: string;
  variant?: string[];
}

export async function runLabSeed(ctx: CliContext, flags: SeedFlags): Promise<CommandResult> {
  const { parseSeedFlags } = await import('../../lab/supervisor/seed-options.js');
  const { seedRunningLab } = await import('../../lab/supervisor/seed.js');
  // Validated before the lab is even looked at: a bad value writes nothing.
  const options = await mapped(async () => parseSeedFlags(flags));
  ctx.io.err('seeding the lab...');
  const { paths, manifest } = await mapped(() => seedRunningLab(flags.dir ? { dir: flags.dir } : {}, options));
  return {
    exitCode: EXIT.OK,
    json: { dir: paths.dir, manifestPath: paths.manifest, manifest },
    text: render.seedText(manifest, paths.dir, paths.manifest),
  };
}

/**
 * The diagnose engine, when this build has it: `runDiagnose` of
 * src/cli/commands/diagnose-run.ts. Absent (not built yet) is a normal answer, not an error.
 */
async function loadDiagnose(): Promise<RunDiagnose | undefined> {
  const url = new URL('./diagnose-run.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  try {
    const mod = (await import(url.href)) as { runDiagnose?: RunDiagnose };
    return typeof mod.runDiagnose === 'function' ? mod.runDiagnose : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export interface DemoFlags {
  sessions?: string;
  seed?: string;
}

/**
 * `lab demo`: exit 0 when diagnose found every seeded incident (or, while diagnose is not
 * built, when the lab was seeded and read back), 1 otherwise; 130 after Ctrl-C, with the
 * lab taken down first.
 */
export async function runLabDemo(ctx: CliContext, flags: DemoFlags): Promise<CommandResult> {
  const { parseSeedFlags } = await import('../../lab/supervisor/seed-options.js');
  const demo = await import('../../lab/supervisor/demo.js');
  const checked = await mapped(async () => parseSeedFlags({ scenario: 'all', ...flags }));
  const timeoutMs = ctx.globals.timeout ? parseDuration(ctx.globals.timeout) : undefined;
  const runDiagnose = await loadDiagnose();
  // Keep diagnose's own result so the demo shows what an engineer would see, not only the tally.
  let diagnosis: unknown;
  const diagnose: RunDiagnose | undefined = runDiagnose && (async (config, opts) => (diagnosis = await runDiagnose(config, opts)));
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) ctx.io.err('still taking the lab down; one moment');
    else {
      ctx.io.err('interrupted: taking the lab down');
      abort.abort();
    }
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await mapped(() =>
      demo.runLabDemo({
        progress: progressOf(ctx),
        signal: abort.signal,
        ...(checked.sessions !== undefined ? { sessions: checked.sessions } : {}),
        ...(checked.seed !== undefined ? { seed: checked.seed } : {}),
        ...(diagnose ? { diagnose } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
      }),
    );
    const ok = !result.diagnosis.available || result.diagnosis.allFound;
    let text = render.demoText(result);
    if (diagnosis) {
      const { renderDiagnosis } = await import('../../diagnose/render-text.js');
      text = `${renderDiagnosis(diagnosis as import('../../diagnose/types.js').DiagnoseResult)}\n\n${text}`;
    }
    return { exitCode: ok ? EXIT.OK : EXIT.INTERNAL, json: render.demoJson(result), text };
  } finally {
    process.off('SIGINT', onSigint);
  }
}
