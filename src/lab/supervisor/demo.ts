import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labConfig } from '../lab-config.js';
import type { SeedManifest } from '../seed/manifest.js';
import { labDown, type LabDownResult } from './client.js';
import { compareWithManifest, failedSourcesOf, type RunDiagnose, type ScenarioCheck } from './demo-compare.js';
import { LabError } from './errors.js';
import { readLabSignals, type LabSignals } from './signals.js';
import { loadSeedLab, type SeedLab } from './seed.js';
import { writeFileAtomic, type LabState } from './state.js';
import { labUp } from './up.js';

export interface LabDemoOptions {
  /** Progress lines for a person (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Aborting (Ctrl-C) stops the demo at once; the lab is still taken down. */
  signal?: AbortSignal;
  /** Background sessions (the seeder's default, 1000, when absent). */
  sessions?: number;
  seed?: number;
  /** The diagnose engine; absent while diagnose is not built: the demo shows the signals instead. */
  diagnose?: RunDiagnose;
  seedLab?: SeedLab;
  /** Where the demo's temporary lab directory is made (default: the OS temp dir). */
  parentDir?: string;
  /** Per-source timeout of diagnose and of the read-back (the global --timeout; default the config's 5 s). */
  timeoutMs?: number;
}

export type DemoDiagnosis =
  | { available: false }
  | { available: true; status: string | null; checks: ScenarioCheck[]; allFound: boolean; failedSources: Array<{ name: string; error: string }> };

export interface LabDemoResult {
  dir: string;
  /** The demo lab's state as it ran (pids, ports): all gone by the time this is returned. */
  state: LabState;
  manifest: SeedManifest;
  diagnosis: DemoDiagnosis;
  /** Read back from the lab when diagnose is not available. */
  signals: LabSignals | null;
  down: LabDownResult;
}

/** Resolves with the step's value, or rejects with INTERRUPTED as soon as `signal` aborts. */
function interruptible<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  // The abandoned step fails once its services are gone: that failure is expected, not news.
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function interrupted(): LabError {
  return new LabError('INTERRUPTED', 'the demo was interrupted; the lab was taken down');
}

/**
 * The demonstration, start to end, in a lab of its own (a temporary directory, never a
 * running lab of the user's): up, seed all five scenarios, diagnose and compare the
 * findings with the seed manifest (or, while diagnose is not built, read back the signals),
 * then down, always, whether a step failed or the user pressed Ctrl-C.
 */
export async function runLabDemo(opts: LabDemoOptions = {}): Promise<LabDemoResult> {
  const progress = opts.progress ?? (() => {});
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'manga-oncall-demo-'));
  let outcome: Omit<LabDemoResult, 'down'> | undefined;
  let failure: unknown;
  try {
    outcome = await demoSteps(dir, opts, progress);
  } catch (err) {
    failure = err;
  }
  // labUp is never abandoned half-way (it would leave a supervisor we know nothing of), so
  // by now any lab of this directory has its state file and labDown finds all of it.
  progress('taking the lab down');
  const down = await labDown({ dir });
  // Kept only when something would not stop, for the engineer to look at.
  if (!down.wasRunning || down.leftovers.length === 0) rmSync(dir, { recursive: true, force: true });
  if (failure !== undefined) throw failure;
  if (down.wasRunning && down.leftovers.length > 0) {
    throw new LabError('LEFTOVER', `the demo's lab in ${dir} did not stop cleanly: ${down.leftovers.join('; ')}`, { hint: `run: manga-oncall lab down --dir ${dir}` });
  }
  return { ...(outcome as Omit<LabDemoResult, 'down'>), down };
}

const DEMO_SOURCE_TIMEOUT_MS = 15_000;

async function demoSteps(dir: string, opts: LabDemoOptions, progress: (line: string) => void): Promise<Omit<LabDemoResult, 'down'>> {
  const { signal } = opts;
  progress(`starting a lab in ${dir}`);
  const up = await labUp({ dir, progress });
  if (signal?.aborted) throw interrupted();

  const seedLab = opts.seedLab ?? (await loadSeedLab());
  progress(`seeding ${opts.sessions ?? 'the default'} background sessions and the five scenarios`);
  const seedOptions = { scenarios: 'all' as const, ...(opts.sessions !== undefined ? { sessions: opts.sessions } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) };
  const manifest = await interruptible(signal, seedLab(up.state.endpoints, seedOptions));
  writeFileAtomic(up.paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);

  const base = labConfig(up.state.endpoints, { stateDir: up.paths.dir });
  // The demo's services all share one laptop process that has just been busy seeding; a
  // demo is not an incident, so unless --timeout says otherwise each source gets 15 s.
  const timeoutMs = opts.timeoutMs ?? DEMO_SOURCE_TIMEOUT_MS;
  const config = { ...base, timeoutMs };
  if (opts.diagnose) {
    progress('running diagnose against the lab');
    const body = await interruptible(signal, opts.diagnose(config, { timeoutMs }));
    const checks = compareWithManifest(manifest, body);
    const status = (body as { status?: unknown }).status;
    return {
      dir,
      state: up.state,
      manifest,
      diagnosis: {
        available: true,
        status: typeof status === 'string' ? status : null,
        checks,
        allFound: checks.every((c) => c.found),
        failedSources: failedSourcesOf(body),
      },
      signals: null,
    };
  }
  progress('diagnose is not available in this build: reading the signals back instead');
  const signals = await interruptible(signal, readLabSignals(config, manifest));
  return { dir, state: up.state, manifest, diagnosis: { available: false }, signals };
}
