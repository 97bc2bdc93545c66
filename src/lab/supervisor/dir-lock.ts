import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from './errors.js';
import { isAlive } from './processes.js';

/**
 * An exclusive lock on a lab directory for the length of `lab up` or `lab down`: a file
 * created with O_EXCL holding the owner's pid. A lock whose owner is dead (a command killed
 * mid-way) is taken over.
 */
export async function withDirLock<T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw busyOr(err, lockPath);
      // The owner writes its pid right after creating the file: give it a moment.
      let owner = Number(readFileSafe(lockPath) || NaN);
      if (Number.isNaN(owner)) {
        await sleep(200);
        owner = Number(readFileSafe(lockPath) || NaN);
      }
      // Our own pid: another lab up/down of this very process is still running.
      if (Number.isInteger(owner) && owner > 0 && (owner === process.pid || isAlive(owner))) {
        throw new LabError('BUSY', `another manga-oncall (pid ${owner}) is running lab up or lab down in ${dirname(lockPath)}`, {
          hint: `wait for it, then retry ${what}`,
        });
      }
      rmSync(lockPath, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function busyOr(err: unknown, lockPath: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return err;
  return new LabError('BUSY', `the lab directory ${dirname(lockPath)} is locked by another command`, { hint: `remove ${lockPath} if no manga-oncall is running` });
}
