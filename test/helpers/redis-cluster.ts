/**
 * A real Redis Cluster for tests: N cluster-enabled redis-server processes on loopback (each
 * with its own port, bus port and data directory, never the machine's 6379), joined with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, and handed over only
 * once every node says `cluster_state:ok`. `stop()` closes the clients it made and the
 * servers it started, and removes their directories.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from '../../src/lab/services/free-port.js';
import { RedisProcess } from '../../src/lab/services/redis-process.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters (each owns a third of the slots with the default 3). Default 3. */
  masters?: number;
  /** requirepass + masterauth on every node, as ElastiCache with AUTH. */
  password?: string;
  /** How long to wait for `cluster_state:ok` on every node. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RedisClusterHarness {
  readonly servers: readonly RedisProcess[];
  /** `127.0.0.1:<port>` of every master: the value of `--redis-cluster` (comma-joined). */
  readonly nodes: readonly string[];
  /** A new ioredis Cluster client (closed by `stop()`), connected and ready. */
  client(): Promise<Cluster>;
  /** A plain connection to one node (closed by `stop()`). */
  nodeClient(index: number): Redis;
  /** FLUSHALL on every master: an empty cluster between tests without a restart. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/** Two distinct free loopback ports: the client port and the cluster bus port. */
async function portPair(): Promise<[number, number]> {
  for (;;) {
    const a = await freePort();
    const b = await freePort();
    if (a !== b) return [a, b];
  }
}

/**
 * Starts one cluster node. The bus port is set explicitly (`--cluster-port`, Redis 7) rather
 * than left at port + 10000, which is past 65535 for half of the OS's ephemeral ports.
 */
async function startNode(password: string | undefined): Promise<RedisProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const [port, bus] = await portPair();
    const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
    const server = new RedisProcess({
      port,
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus), '--cluster-node-timeout', '5000', ...auth],
    });
    try {
      return await server.start();
    } catch (err) {
      // Another process took one of the two ports between the probe and the spawn.
      lastError = err;
      await server.dispose().catch(() => undefined);
    }
  }
  throw lastError;
}

async function waitForClusterOk(connections: readonly Redis[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const infos = await Promise.all(connections.map((c) => c.cluster('INFO').then(String, () => '')));
    if (infos.every((info) => /^cluster_state:ok\r?$/m.test(info))) return;
    if (Date.now() > until) throw new Error(`cluster not ok after ${timeoutMs} ms: ${infos.map((i) => /cluster_state:\w+/.exec(i)?.[0] ?? '?').join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts and joins a cluster; see the module comment. */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisClusterHarness> {
  const masters = opts.masters ?? 3;
  const servers: RedisProcess[] = [];
  const clients: Array<Redis | Cluster> = [];
  const stop = async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(servers.map((s) => s.dispose()));
  };
  try {
    for (let i = 0; i < masters; i++) servers.push(await startNode(opts.password));
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], {
      env: { ...process.env, ...(opts.password ? { REDISCLI_AUTH: opts.password } : {}) },
      timeout: 30_000,
    });
    const nodeClient = (index: number): Redis => {
      const server = servers[index];
      if (!server) throw new RangeError(`no cluster node ${index}`);
      const c = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, ...(opts.password ? { password: opts.password } : {}) });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    const probes = servers.map((_, i) => nodeClient(i));
    await waitForClusterOk(probes, opts.readyTimeoutMs ?? 30_000);
    return {
      servers,
      nodes,
      nodeClient,
      async client() {
        const c = new Cluster(
          servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
          { redisOptions: { maxRetriesPerRequest: 1, ...(opts.password ? { password: opts.password } : {}) } },
        );
        c.on('error', () => undefined);
        clients.push(c);
        await new Promise<void>((resolve, reject) => {
          c.once('ready', resolve);
          c.once('end', () => reject(new Error('cluster client ended before ready')));
        });
        return c;
      },
      async flushAll() {
        await Promise.all(probes.map((p) => p.flushall()));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
