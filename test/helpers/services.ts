import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisProcess, type RedisProcessOptions } from '../../src/lab/services/redis-process.js';
import { LocalDynamo } from '../../src/lab/services/dynamo-local.js';
import { LocalS3 } from '../../src/lab/services/s3-local.js';

export { RedisProcess, LocalDynamo, LocalS3 };

/** A redis-server of this test file's own, plus a client; both closed by the returned stop(). */
export async function startRedis(opts: RedisProcessOptions = {}) {
  const server = await new RedisProcess(opts).start();
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis(server.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  return {
    server,
    client,
    async stop() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await server.dispose();
    },
  };
}

/** Client options for the in-process emulators; s3rver accepts only its built-in key pair. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
};

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/manga-oncall.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built binary as a user or script would: no TTY, FORCE_COLOR=0. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
