import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export class RedisBinaryMissingError extends Error {
  constructor() {
    super('redis-server was not found on PATH: install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)');
    this.name = 'RedisBinaryMissingError';
  }
}

export interface RedisProcessOptions {
  /** Append-only file on, for crash tests: a SIGKILL loses at most what was not fsynced. */
  aof?: boolean;
  /** Extra `--name value` arguments (TLS, ACL, cluster mode). */
  extraArgs?: string[];
  port?: number;
  dir?: string;
}

export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > until) reject(new Error(`redis-server did not listen on 127.0.0.1:${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/**
 * A real redis-server owned by the caller: on a free loopback port, with its own data
 * directory, never touching any other server. Restartable on the same port and data for
 * crash tests.
 */
export class RedisProcess {
  readonly dir: string;
  port = 0;
  private child: ChildProcess | undefined;
  private readonly ownsDir: boolean;

  constructor(private readonly opts: RedisProcessOptions = {}) {
    this.ownsDir = !opts.dir;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'manga-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<this> {
    if (!redisServerAvailable()) throw new RedisBinaryMissingError();
    for (let attempt = 0; ; attempt++) {
      const port = this.port || this.opts.port || (await freePort());
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir,
        '--save', '', '--daemonize', 'no', '--protected-mode', 'no',
        '--appendonly', this.opts.aof ? 'yes' : 'no', '--appendfsync', 'everysec',
        '--logfile', join(this.dir, 'redis.log'),
        ...(this.opts.extraArgs ?? []),
      ];
      const child = spawn('redis-server', args, { stdio: 'ignore', detached: false });
      let exited = false;
      child.once('exit', () => (exited = true));
      try {
        await waitForPort(port, 5000);
        if (exited) throw new Error('exited');
        this.port = port;
        this.child = child;
        return this;
      } catch (err) {
        child.kill('SIGKILL');
        // Another process took the port between our probe and the spawn: try another.
        if (attempt < 3 && !this.opts.port) {
          this.port = 0;
          continue;
        }
        throw err;
      }
    }
  }

  /** SIGKILL, as a crash: no shutdown save beyond what AOF already fsynced. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(sig);
    });
  }
}
