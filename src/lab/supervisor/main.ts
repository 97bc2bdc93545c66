/**
 * The lab supervisor: a detached background process started by `lab up` as
 * `node dist/lab/supervisor/main.js --dir <abs dir> --lab-id <id> [--redis-url <url>]`,
 * with stdout and stderr in `<dir>/supervisor.log`. It is a process entry point, so unlike
 * library code it logs and exits.
 *
 * - Starts every service (services.ts) and only then writes `<dir>/lab.json` (atomically):
 *   the file's appearance is the "ready" signal `lab up` waits for.
 * - SIGTERM or SIGINT: stops every service (its redis-server child included) and exits 0.
 * - It is a daemon: it outlives the shell that started it, and ignores SIGHUP. So that it
 *   cannot linger forever, it checks its state file every few seconds and shuts down when
 *   the file is gone or belongs to another lab (another `--lab-id`).
 */
import { rmSync } from 'node:fs';
import { RedisBinaryMissingError } from '../services/redis-process.js';
import { SUPERVISOR_EXIT } from './errors.js';
import { isAlive } from './processes.js';
import { startLabServices, type RunningLabServices } from './services.js';
import { LAB_STATE_SCHEMA_VERSION, labPaths, readLabState, removeLabStateIfOurs, writeLabState } from './state.js';

/** How often the supervisor checks that its state file is still its own. */
const WATCHDOG_MS = 2000;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

async function supervise(argv: readonly string[]): Promise<void> {
  const dir = argValue(argv, '--dir');
  const labId = argValue(argv, '--lab-id');
  const redisUrl = argValue(argv, '--redis-url');
  if (!dir || !labId) {
    log('usage: main.js --dir <absolute lab dir> --lab-id <id> [--redis-url <url>]');
    process.exit(SUPERVISOR_EXIT.USAGE);
  }
  const paths = labPaths(dir);
  let services: RunningLabServices | undefined;
  let stopping: Promise<void> | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  /** A stop asked for while the services start: honoured as soon as they are up. */
  let starting = true;
  let deferredStop: string | undefined;

  const shutdown = (reason: string, code: number = SUPERVISOR_EXIT.OK): Promise<void> => {
    if (starting && code === SUPERVISOR_EXIT.OK) {
      deferredStop ??= reason;
      log(`${reason} while starting: stopping once the services are up`);
      return Promise.resolve();
    }
    stopping ??= (async () => {
      log(`shutting down (${reason})`);
      clearInterval(watchdog);
      await services?.stop();
      rmSync(paths.data, { recursive: true, force: true });
      // A replaced state file is another lab's: only our own is removed.
      removeLabStateIfOurs(paths.state, labId);
      log('stopped');
      process.exit(code);
    })();
    return stopping;
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => log('SIGHUP ignored: the lab runs until `manga-oncall lab down`'));
  process.on('uncaughtException', (err) => {
    log(`uncaught error: ${err.stack ?? err.message}`);
    void shutdown('uncaught error', SUPERVISOR_EXIT.FAILED);
  });
  process.on('unhandledRejection', (err) => {
    log(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`);
    void shutdown('unhandled rejection', SUPERVISOR_EXIT.FAILED);
  });

  log(`supervisor pid ${process.pid} starting the lab in ${paths.dir} (lab id ${labId})`);
  try {
    services = await startLabServices({ dataDir: paths.data, ...(redisUrl ? { redisUrl } : {}), log });
  } catch (err) {
    log(`start failed: ${(err as Error).message}`);
    rmSync(paths.data, { recursive: true, force: true });
    process.exit(err instanceof RedisBinaryMissingError ? SUPERVISOR_EXIT.REDIS_BINARY_MISSING : SUPERVISOR_EXIT.FAILED);
  }
  starting = false;
  // A signal that came in while the services were starting: now there is something to stop.
  if (deferredStop) {
    await shutdown(deferredStop);
    return;
  }

  writeLabState(paths.state, {
    schemaVersion: LAB_STATE_SCHEMA_VERSION,
    labId,
    dir: paths.dir,
    startedAt: new Date().toISOString(),
    supervisor: { pid: process.pid },
    redis: services.redis,
    ports: services.ports,
    endpoints: services.endpoints,
  });
  log('ready: every service is up; state written to lab.json');

  const redisPid = services.redis.pid;
  let redisGone = false;
  watchdog = setInterval(() => {
    const read = readLabState(paths.state);
    if (read.kind === 'absent') void shutdown('the state file was removed');
    else if (read.kind === 'invalid') void shutdown(`the state file is no longer valid: ${read.reason}`);
    else if (read.state.labId !== labId) void shutdown('the state file now belongs to another lab');
    else if (redisPid !== null && !redisGone && !isAlive(redisPid)) {
      // Left down on purpose: `lab status` reports it, and a drill may have killed it.
      redisGone = true;
      log(`redis-server pid ${redisPid} exited; the lab is partly down`);
    }
  }, WATCHDOG_MS);
}

await supervise(process.argv.slice(2));
