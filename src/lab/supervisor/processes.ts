import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Process and port checks for the lab's lifecycle. Pids are reused by the OS, so a pid
 * from the state file is only signalled after its command line proves it is still the
 * process we started (see {@link commandLineOf}).
 */

/** True when a process with this pid exists (a zombie counts until it is reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is certainly not ours to stop.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process's argv, or null when it is gone. Linux: /proc/<pid>/cmdline (NUL-separated);
 * elsewhere `ps -o command=`, whose output joins argv with spaces.
 */
export function commandLineOf(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`);
    if (raw.length === 0) return null; // a zombie has an empty cmdline
    return raw.toString('utf8').split('\0').filter((s) => s !== '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return null;
  }
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  const line = ps.status === 0 ? ps.stdout.trim() : '';
  return line ? line.split(/\s+/) : null;
}

/**
 * Is `pid` the redis-server the lab started on `port`? redis-server rewrites its process
 * title to `redis-server 127.0.0.1:<port>`, so both the name and the address are checked.
 */
export function isLabRedis(pid: number, port: number): boolean {
  const argv = commandLineOf(pid);
  if (!argv) return false;
  const line = argv.join(' ');
  // `(?!\d)`: port 638 must not match a server on 6380.
  return line.includes('redis-server') && new RegExp(`:${port}(?!\\d)`).test(line);
}

/** Is `pid` a lab supervisor for `dir` (the supervisor is started with `--dir <dir>`)? */
export function isLabSupervisor(pid: number, dir: string): boolean {
  const argv = commandLineOf(pid);
  if (!argv) return false;
  const dirAt = argv.indexOf('--dir');
  return argv.some((a) => a.endsWith('supervisor/main.js')) && dirAt >= 0 && argv[dirAt + 1] === dir;
}

/** Waits until `pid` is gone (or stopped being `stillOurs`); true when it went within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number, stillOurs: () => boolean = () => true): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid) || !stillOurs()) return true;
    if (Date.now() >= until) return false;
    await sleep(50);
  }
}

/**
 * Stops a process we own: SIGTERM, a grace period, then SIGKILL. `stillOurs` is re-checked
 * before each signal, so a pid reused meanwhile is never hit. Returns how it ended.
 */
export async function stopProcess(
  pid: number,
  stillOurs: () => boolean,
  graceMs: number,
): Promise<'not-running' | 'terminated' | 'killed' | 'survived'> {
  if (!isAlive(pid) || !stillOurs()) return 'not-running';
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, graceMs, stillOurs)) return 'terminated';
  if (stillOurs()) signal(pid, 'SIGKILL');
  return (await waitForExit(pid, 2000, stillOurs)) ? 'killed' : 'survived';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True when nothing accepts connections on 127.0.0.1:`port`. */
export function portRefuses(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const done = (refused: boolean) => {
      sock.destroy();
      resolve(refused);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(false));
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}
