/** Shared by the lab's e2e and integration tests: is a process or a port really gone? */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True when `pid` no longer runs. A zombie counts as gone: it holds no port and no memory,
 * only a process-table entry until its (new) parent reaps it, which in a container whose
 * init does not reap may be never.
 */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "<pid> (<comm>) <state> ...": the state letter follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

/** True when 127.0.0.1:`port` refuses connections. */
export function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Polls `check` until it holds or `timeoutMs` passes; returns its last answer (no timing assertion). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

export interface LabJson {
  schemaVersion: number;
  command: string;
  alreadyRunning: boolean;
  dir: string;
  configPath: string;
  endpoints: { redisUrl: string; dynamodb: string; s3: string; emulator: string };
  pids: { supervisor: number; redis: number | null };
  ports: { redis: number; dynamodb: number; s3: number; emulator: number };
}

/** Every port of a lab, as the state file recorded them. */
export function labPorts(doc: Pick<LabJson, 'ports'>): number[] {
  return [doc.ports.redis, doc.ports.dynamodb, doc.ports.s3, doc.ports.emulator];
}
