import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import type { LabEndpoints } from '../endpoints.js';
import { LocalDynamo } from '../services/dynamo-local.js';
import { RedisProcess } from '../services/redis-process.js';
import { LocalS3 } from '../services/s3-local.js';
import { LabError } from './errors.js';
import { pingRedis } from './health.js';

/** The S3 bucket the lab creates up front (sessions overflow there, contract section 5). */
export const LAB_OVERFLOW_BUCKET = 'manga-session-overflow';

export interface LabServicesOptions {
  /** Where redis-server and s3rver keep their data (the supervisor uses `<lab dir>/data`). */
  dataDir: string;
  /** Use this Redis instead of starting one (it is never stopped by the lab). */
  redisUrl?: string;
  /** Progress lines, for the supervisor's log. */
  log?: (line: string) => void;
}

export interface RunningLabServices {
  endpoints: LabEndpoints;
  ports: { redis: number; dynamodb: number; s3: number; emulator: number };
  redis: { pid: number | null; port: number; external: boolean };
  /** Stops everything that was started, in reverse order; never throws, never hangs on one service. */
  stop(): Promise<void>;
}

type Stopper = { name: string; stop: () => Promise<void>; force?: () => void };

/** Each service gets this long to stop cleanly; then it is forced (or left to `lab down`). */
const STOP_GRACE_MS = 5000;

async function stopAll(stoppers: Stopper[], log: (line: string) => void): Promise<void> {
  for (const s of [...stoppers].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
    try {
      const outcome = await Promise.race([s.stop().then(() => 'stopped' as const), late]);
      if (outcome === 'late') {
        s.force?.();
        log(`${s.name} did not stop within ${STOP_GRACE_MS} ms${s.force ? ': killed' : ''}`);
      } else log(`stopped ${s.name}`);
    } catch (err) {
      log(`stopping ${s.name} failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Starts the lab's data plane on free loopback ports: redis-server (AOF off, data under
 * `dataDir`) unless an existing Redis is given, dynalite, s3rver with the overflow bucket,
 * and the project's emulator. If one fails, those already started are stopped before the
 * error is rethrown, so a failed start leaves nothing behind.
 */
export async function startLabServices(opts: LabServicesOptions): Promise<RunningLabServices> {
  const log = opts.log ?? (() => {});
  const stoppers: Stopper[] = [];
  try {
    let redis: RunningLabServices['redis'];
    let redisUrl: string;
    if (opts.redisUrl) {
      const url = new URL(opts.redisUrl);
      await pingRedis(opts.redisUrl, 3000).catch((err: Error) => {
        throw new LabError('START_FAILED', `the Redis at ${url.host} does not answer PING: ${err.message}`);
      });
      redis = { pid: null, port: Number(url.port || 6379), external: true };
      redisUrl = opts.redisUrl;
      log(`using the existing Redis at ${url.host}`);
    } else {
      const dir = join(opts.dataDir, 'redis');
      mkdirSync(dir, { recursive: true });
      const server = await new RedisProcess({ aof: false, dir }).start();
      const pid = server.pid;
      stoppers.push({
        name: 'redis-server',
        stop: () => server.stop(),
        force: () => {
          try {
            if (pid !== undefined) process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone (ESRCH): exactly what we wanted.
          }
        },
      });
      redis = { pid: server.pid ?? null, port: server.port, external: false };
      redisUrl = server.url;
      log(`redis-server pid ${String(server.pid)} on ${server.url}`);
    }

    const dynamo = await new LocalDynamo().start();
    stoppers.push({ name: 'dynalite', stop: () => dynamo.stop() });
    log(`dynalite on ${dynamo.endpoint}`);

    const s3Dir = join(opts.dataDir, 's3');
    rmSync(s3Dir, { recursive: true, force: true });
    mkdirSync(s3Dir, { recursive: true });
    const s3 = await new LocalS3([LAB_OVERFLOW_BUCKET]).start(0, s3Dir);
    stoppers.push({ name: 's3rver', stop: () => s3.stop() });
    log(`s3rver on ${s3.endpoint}`);

    // Keys from the emulator's STS (the write role of fix/undo) must work against s3rver too.
    const emulator: RunningEmulator = await startEmulator({ port: 0, onAssumeRole: (s) => s3.acceptAccessKey(s.accessKeyId, s.secretAccessKey) });
    stoppers.push({ name: 'emulator', stop: () => emulator.stop() });
    log(`emulator on ${emulator.endpoint}`);

    return {
      endpoints: { redisUrl, dynamodb: dynamo.endpoint, s3: s3.endpoint, emulator: emulator.endpoint },
      ports: { redis: redis.port, dynamodb: dynamo.port, s3: s3.port, emulator: emulator.port },
      redis,
      stop: () => stopAll(stoppers, log),
    };
  } catch (err) {
    await stopAll(stoppers, log);
    throw err;
  }
}
