/**
 * The services `npm run bench` needs, started on first use and stopped at the end: a
 * redis-server, a 3-master Redis Cluster (cluster-enabled redis-servers joined with
 * `redis-cli --cluster create`), and dynalite. All on loopback ports of their own: the
 * bench never touches a server it did not start.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { LocalDynamo } from '../lab/services/dynamo-local.js';
import { freePort } from '../lab/services/free-port.js';
import { RedisProcess } from '../lab/services/redis-process.js';

const run = promisify(execFile);

export interface BenchServices {
  /** A redis-server of the bench's own. */
  redis(): Promise<RedisProcess>;
  /** `host:port` of each master of a 3-master cluster. */
  cluster(): Promise<string[]>;
  /** dynalite's endpoint. */
  dynamo(): Promise<string>;
  stop(): Promise<void>;
}

async function clusterNode(): Promise<RedisProcess> {
  // The bus port is explicit: port + 10000 is past 65535 for half of the ephemeral ports.
  const [port, bus] = [await freePort(), await freePort()];
  return new RedisProcess({ port, extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus)] }).start();
}

async function waitClusterOk(nodes: RedisProcess[]): Promise<void> {
  const clients = nodes.map((n) => new Redis(n.port, '127.0.0.1', { maxRetriesPerRequest: 1 }));
  try {
    for (let i = 0; i < 300; i++) {
      const infos = await Promise.all(clients.map((c) => c.cluster('INFO').then(String)));
      if (infos.every((s) => /^cluster_state:ok\r?$/m.test(s))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the bench cluster did not reach cluster_state:ok');
  } finally {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

export function benchServices(): BenchServices {
  const started: Array<{ stop(): Promise<void> }> = [];
  const once = <T>(start: () => Promise<T>): (() => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= start());
  };
  return {
    redis: once(async () => {
      const r = await new RedisProcess().start();
      started.push({ stop: () => r.dispose() });
      return r;
    }),
    cluster: once(async () => {
      const nodes: RedisProcess[] = [];
      started.push({ stop: async () => void (await Promise.all(nodes.map((n) => n.dispose()))) });
      for (let i = 0; i < 3; i++) nodes.push(await clusterNode());
      const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
      await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
      await waitClusterOk(nodes);
      return addrs;
    }),
    dynamo: once(async () => {
      const d = await new LocalDynamo().start();
      started.push({ stop: () => d.stop() });
      return d.endpoint;
    }),
    async stop() {
      await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    },
  };
}
