import type { LabEndpoints } from '../endpoints.js';
import type { SeedManifest } from '../seed/manifest.js';
import type { SeedOptions } from '../seed/plan.js';
import { LabError } from './errors.js';
import { labPaths, readLabState, writeFileAtomic, type LabPaths } from './state.js';
import { supervisorRunning } from './up.js';

/** `seedLab` from src/lab/seed/index.ts. */
export type SeedLab = (endpoints: LabEndpoints, opts: SeedOptions) => Promise<SeedManifest>;

/** Loads the seeder on demand: it pulls in four AWS SDK clients and ioredis. */
export async function loadSeedLab(): Promise<SeedLab> {
  return (await import('../seed/index.js')).seedLab;
}

export interface LabSeedResult {
  paths: LabPaths;
  manifest: SeedManifest;
}

/**
 * Seeds the running lab of a directory, in this process (the supervisor only serves), and
 * writes the manifest to `<dir>/manifest.json`. Options must already be validated
 * (seed-options.ts); a lab that is not running is `NOT_RUNNING` and nothing is written.
 */
export async function seedRunningLab(opts: { dir?: string; cwd?: string }, seedOptions: SeedOptions, seedLab?: SeedLab): Promise<LabSeedResult> {
  const paths = labPaths(opts.dir, opts.cwd);
  const read = readLabState(paths.state);
  if (read.kind !== 'present' || !supervisorRunning(read.state)) {
    throw new LabError('NOT_RUNNING', `no lab is running in ${paths.dir}`, { hint: `start one with: manga-oncall lab up --dir ${paths.dir}` });
  }
  const seed = seedLab ?? (await loadSeedLab());
  const manifest = await seed(read.state.endpoints, seedOptions);
  writeFileAtomic(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return { paths, manifest };
}
