import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LabEndpoints } from '../endpoints.js';
import { labConfigFile } from '../lab-config.js';
import { RedisBinaryMissingError, redisServerAvailable } from '../services/redis-process.js';
import { takeDownLab } from './down.js';
import { LabError, SUPERVISOR_EXIT } from './errors.js';
import { probeLab, type ServiceHealth } from './health.js';
import { isAlive, isLabSupervisor, stopProcess } from './processes.js';
import { labPaths, readLabState, writeFileAtomic, type LabPaths, type LabState } from './state.js';
import { withDirLock } from './dir-lock.js';

export interface LabUpOptions {
  /** The lab directory (default `.manga-oncall` under `cwd`). */
  dir?: string;
  cwd?: string;
  /** Use an existing Redis on loopback instead of starting redis-server. */
  redisUrl?: string;
  /** How long the services get to come up (default 30 s). */
  readyTimeoutMs?: number;
  /** Progress lines for a person (the CLI prints them on stderr). */
  progress?: (line: string) => void;
}

export interface LabUpResult {
  /** True when a healthy-or-not lab was already running here: nothing was started. */
  alreadyRunning: boolean;
  paths: LabPaths;
  state: LabState;
  health: ServiceHealth[];
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 20;

/**
 * The compiled supervisor entry. From dist/ it sits beside this module; under vitest this
 * module runs from src/, where only the .ts exists, so the built one in dist/ is used.
 */
export function supervisorEntry(): string {
  const beside = fileURLToPath(new URL('./main.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return join(root, 'dist', 'lab', 'supervisor', 'main.js');
}

/** The lab's Redis must be on loopback: `lab seed` flushes it, and the lab is for practice. */
export function checkLabRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LabError('BAD_OPTION', `--redis-url ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'redis:') throw new LabError('BAD_OPTION', 'the lab takes a redis:// URL (a loopback server has no TLS)');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new LabError('BAD_OPTION', `the lab only uses a Redis on loopback, not ${host}: lab seed flushes the lab's Redis`, {
      hint: 'omit --redis-url to let the lab start its own redis-server',
    });
  }
}

export function logTail(path: string, lines = LOG_TAIL_LINES): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no supervisor log)';
  }
}

/** True when the state's supervisor is alive and is really the lab supervisor of that dir. */
export function supervisorRunning(state: LabState): boolean {
  return isAlive(state.supervisor.pid) && isLabSupervisor(state.supervisor.pid, state.dir);
}

function writeLabConfig(paths: LabPaths, endpoints: LabEndpoints): void {
  writeFileAtomic(paths.config, `${JSON.stringify(labConfigFile(endpoints, { stateDir: paths.dir }), null, 2)}\n`);
}

/**
 * Starts a lab in a detached supervisor process and waits until every service answers.
 * A lab already running in the directory is reported, not duplicated; the remains of a
 * crashed one (state file of a dead supervisor, orphaned redis-server) are cleaned first.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const paths = labPaths(opts.dir, opts.cwd);
  const progress = opts.progress ?? (() => {});
  if (opts.redisUrl) checkLabRedisUrl(opts.redisUrl);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });

  return withDirLock(paths.lock, 'lab up', async () => {
    const existing = readLabState(paths.state);
    if (existing.kind === 'present' && supervisorRunning(existing.state)) {
      writeLabConfig(paths, existing.state.endpoints);
      return { alreadyRunning: true, paths, state: existing.state, health: await probeLab(existing.state.endpoints) };
    }
    if (existing.kind === 'present') {
      progress(`cleaning up a lab whose supervisor (pid ${existing.state.supervisor.pid}) is gone`);
      await takeDownLab(existing.state, paths);
    } else if (existing.kind === 'invalid') {
      progress(`removing an unreadable state file (${existing.reason})`);
      rmSync(paths.state, { force: true });
    }

    if (!opts.redisUrl && !redisServerAvailable()) {
      const missing = new RedisBinaryMissingError();
      throw new LabError('REDIS_BINARY_MISSING', missing.message, { hint: 'or point the lab at a running server with --redis-url redis://127.0.0.1:<port>', cause: missing });
    }

    const state = await spawnSupervisor(paths, opts.redisUrl, opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, progress);
    writeLabConfig(paths, state.endpoints);
    return { alreadyRunning: false, paths, state, health: await probeLab(state.endpoints) };
  });
}

async function spawnSupervisor(paths: LabPaths, redisUrl: string | undefined, readyTimeoutMs: number, progress: (line: string) => void): Promise<LabState> {
  const labId = randomUUID();
  mkdirSync(dirname(paths.log), { recursive: true });
  const logFd = openSync(paths.log, 'w', 0o600);
  const args = [supervisorEntry(), '--dir', paths.dir, '--lab-id', labId, ...(redisUrl ? ['--redis-url', redisUrl] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  closeSync(logFd);
  let exitCode: number | null | undefined;
  child.once('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  child.once('error', () => (exitCode = SUPERVISOR_EXIT.FAILED));
  child.unref();
  progress(`starting the lab supervisor (pid ${String(child.pid)}); log: ${paths.log}`);

  const until = Date.now() + readyTimeoutMs;
  for (;;) {
    const read = readLabState(paths.state);
    if (read.kind === 'present' && read.state.labId === labId) {
      const health = await probeLab(read.state.endpoints);
      if (health.every((h) => h.up)) return read.state;
    }
    if (exitCode !== undefined) {
      if (exitCode === SUPERVISOR_EXIT.REDIS_BINARY_MISSING) throw new LabError('REDIS_BINARY_MISSING', new RedisBinaryMissingError().message);
      throw new LabError('START_FAILED', `the lab supervisor exited (code ${exitCode}) before the lab was up; its log ends with:\n${logTail(paths.log)}`);
    }
    if (Date.now() > until) {
      if (read.kind === 'present' && read.state.labId === labId) await takeDownLab(read.state, paths);
      else if (child.pid !== undefined) {
        // Still starting: SIGTERM lets it stop what it already started (redis-server) first.
        const pid = child.pid;
        await stopProcess(pid, () => isLabSupervisor(pid, paths.dir), 10_000);
      }
      throw new LabError('START_FAILED', `the lab was not up within ${readyTimeoutMs} ms; the supervisor's log ends with:\n${logTail(paths.log)}`);
    }
    await sleep(100);
  }
}
