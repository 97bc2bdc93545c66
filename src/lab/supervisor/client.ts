/**
 * The command side of the lab: what `lab up | status | down` do, as functions returning
 * result objects (the CLI renders them). The supervisor process itself is main.ts.
 */
import { existsSync, rmSync } from 'node:fs';
import { withDirLock } from './dir-lock.js';
import { takeDownLab, type TakeDownResult } from './down.js';
import { probeLab, type ServiceHealth } from './health.js';
import { labPaths, readLabState, type LabPaths, type LabState } from './state.js';
import { supervisorRunning } from './up.js';

export { labUp, checkLabRedisUrl, supervisorEntry, logTail, type LabUpOptions, type LabUpResult } from './up.js';
export { takeDownLab, type TakeDownResult, type StopOutcome } from './down.js';
export { probeLab, LAB_SERVICES, type ServiceHealth, type LabServiceName } from './health.js';
export { labPaths, readLabState, DEFAULT_LAB_DIR, type LabPaths, type LabState } from './state.js';
export { LabError, type LabErrorCode } from './errors.js';

export interface LabDirOptions {
  /** The lab directory (default `.manga-oncall` under `cwd`). */
  dir?: string;
  cwd?: string;
}

export type LabStatus =
  | { running: false; paths: LabPaths; /** Why: no state file, or an unreadable one. */ reason: string }
  | { running: true; paths: LabPaths; state: LabState; supervisorAlive: boolean; services: ServiceHealth[]; allUp: boolean };

/**
 * Health of the lab in a directory. "Running" means a state file exists; the supervisor
 * may still have died, which shows as `supervisorAlive: false` with its services down.
 */
export async function labStatus(opts: LabDirOptions = {}, timeoutMs = 2000): Promise<LabStatus> {
  const paths = labPaths(opts.dir, opts.cwd);
  const read = readLabState(paths.state);
  if (read.kind === 'absent') return { running: false, paths, reason: `no lab state file at ${paths.state}` };
  if (read.kind === 'invalid') return { running: false, paths, reason: `the state file ${paths.state} is unreadable: ${read.reason}` };
  const services = await probeLab(read.state.endpoints, timeoutMs);
  const supervisorAlive = supervisorRunning(read.state);
  return { running: true, paths, state: read.state, supervisorAlive, services, allUp: supervisorAlive && services.every((s) => s.up) };
}

export type LabDownResult =
  | { wasRunning: false; paths: LabPaths; reason: string }
  | ({ wasRunning: true; paths: LabPaths; state: LabState } & TakeDownResult);

/** Takes the lab in a directory down; idempotent (nothing running is not an error). */
export async function labDown(opts: LabDirOptions = {}): Promise<LabDownResult> {
  const paths = labPaths(opts.dir, opts.cwd);
  // Checked before taking the lock, which would create the directory.
  if (!existsSync(paths.state)) return { wasRunning: false, paths, reason: `no lab is running in ${paths.dir}` };
  return withDirLock(paths.lock, 'lab down', async () => {
    const read = readLabState(paths.state);
    if (read.kind === 'absent') return { wasRunning: false, paths, reason: `no lab is running in ${paths.dir}` };
    if (read.kind === 'invalid') {
      // Its supervisor, if any, notices within seconds and stops itself (its watchdog).
      rmSync(paths.state, { force: true });
      return { wasRunning: false, paths, reason: `removed an unreadable state file (${read.reason})` };
    }
    return { wasRunning: true, paths, state: read.state, ...(await takeDownLab(read.state, paths)) };
  });
}
