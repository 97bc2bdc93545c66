import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { LabEndpoints } from '../endpoints.js';

/**
 * The lab's directory and its state file. The supervisor writes `lab.json` once every
 * service answers, and only then: its presence with a live supervisor pid is what "a lab is
 * running" means. Writes are atomic (temp file + rename) so a reader never sees half a file.
 */

/** Default lab directory, relative to the current working directory. */
export const DEFAULT_LAB_DIR = '.manga-oncall';

/** Every file the lab keeps in its directory. */
export interface LabPaths {
  dir: string;
  /** The state file (supervisor pid, redis-server pid, ports, endpoints). */
  state: string;
  /** A manga-oncall config file pointing at the lab (`--config <dir>/config.json`). */
  config: string;
  /** The supervisor's stdout and stderr. */
  log: string;
  /** The last `lab seed`'s manifest; the demo compares diagnose's findings to it. */
  manifest: string;
  /** Held by `lab up` and `lab down` while they run (O_EXCL), so two never race. */
  lock: string;
  /** redis-server's and s3rver's data; removed by `lab down`. */
  data: string;
}

export function labPaths(dir: string | undefined, cwd: string = process.cwd()): LabPaths {
  const abs = resolve(cwd, dir ?? DEFAULT_LAB_DIR);
  return {
    dir: abs,
    state: join(abs, 'lab.json'),
    config: join(abs, 'config.json'),
    log: join(abs, 'supervisor.log'),
    manifest: join(abs, 'manifest.json'),
    lock: join(abs, 'lab.lock'),
    data: join(abs, 'data'),
  };
}

export const LAB_STATE_SCHEMA_VERSION = 1;

const port = z.number().int().min(1).max(65535);
const pid = z.number().int().positive();

export const labStateSchema = z.strictObject({
  schemaVersion: z.literal(LAB_STATE_SCHEMA_VERSION),
  /** Random per `lab up`: a supervisor whose id is no longer in the file shuts itself down. */
  labId: z.string().min(8),
  dir: z.string().min(1),
  startedAt: z.string(),
  supervisor: z.strictObject({ pid }),
  /** `pid` is null when the lab uses an existing server (`--redis-url`): never ours to kill. */
  redis: z.strictObject({ pid: pid.nullable(), port, external: z.boolean() }),
  ports: z.strictObject({ redis: port, dynamodb: port, s3: port, emulator: port }),
  endpoints: z.strictObject({ redisUrl: z.string(), dynamodb: z.string(), s3: z.string(), emulator: z.string() }),
});

export type LabState = z.infer<typeof labStateSchema>;

/** Compile-time check that the state's endpoints are the shared endpoint type. */
const _endpointsAgree: (s: LabState) => LabEndpoints = (s) => s.endpoints;
void _endpointsAgree;

/** What reading the state file found. A file that does not parse is reported, not thrown. */
export type LabStateRead = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'present'; state: LabState };

export function readLabState(path: string): LabStateRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = labStateSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { kind: 'present', state: parsed.data };
}

/**
 * Writes `content` to `path` atomically: a temp file in the same directory, then rename
 * (atomic on POSIX within one file system). `mode` 0600 by default: the lab config holds
 * (lab-only) credentials, and nothing here is for other users.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export function writeLabState(path: string, state: LabState): void {
  writeFileAtomic(path, `${JSON.stringify(labStateSchema.parse(state), null, 2)}\n`);
}

/** Removes the state file if it still belongs to `labId` (a newer lab's file is left alone). */
export function removeLabStateIfOurs(path: string, labId: string): boolean {
  const read = readLabState(path);
  if (read.kind !== 'present' || read.state.labId !== labId) return false;
  rmSync(path, { force: true });
  return true;
}
