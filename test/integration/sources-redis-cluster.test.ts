import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { SourceError } from '../../src/sources/errors.js';
import { closeRedis, connectRedis, createRedis, isAtomicLayout, mastersOf } from '../../src/sources/redis.js';
import { RedisProcess } from '../helpers/services.js';

/** Three real redis-server masters joined into a Redis Cluster with AUTH, as ElastiCache cluster mode. */
const PASSWORD = 'cluster-pw-77';

describe('Redis factory in cluster mode against a real 3-master cluster', () => {
  const servers: RedisProcess[] = [];
  let nodes: string[];
  const config = (redis: ConfigInput['redis']) => configSchema.parse({ redis, timeoutMs: 3000 });

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      servers.push(
        await new RedisProcess({
          extraArgs: [
            '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--requirepass', PASSWORD, '--masterauth', PASSWORD,
            // Read-only without CLUSTER SLOTS, which ioredis needs to learn the slot map.
            '--user', 'reader', 'on', '>reader-pw', '~*', '-@all', '+@read',
          ],
        }).start(),
      );
    }
    nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    // redis-cli waits until every node agrees on the slot map before it returns.
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-yes'], {
      env: { ...process.env, REDISCLI_AUTH: PASSWORD },
      stdio: 'pipe',
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
  });

  it('connects, lists the three masters to scan, and routes keys of different slots', async () => {
    const { client } = await connectRedis(config({ cluster: nodes, password: PASSWORD }));
    const masters = mastersOf(client);
    expect(masters.map((m) => m.options.port).sort()).toEqual(servers.map((s) => s.port).sort());
    // Keys spread over the slots: each master SCANned alone holds only its share.
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    for (const id of ids) await client.set(`manga:session:${id}:pin`, 'ProductSearchAgent');
    let total = 0;
    for (const m of masters) total += await m.dbsize();
    expect(total).toBe(ids.length);
    expect(Math.max(...(await Promise.all(masters.map((m) => m.dbsize()))))).toBeLessThan(ids.length);
    await closeRedis(client);
    expect(client.status).toBe('end');
  });

  it('a wrong password on the cluster is auth_failed (exit 2), found behind the slots refresh', async () => {
    const err = await createRedis(config({ cluster: nodes, password: 'wrong' })).connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('auth_failed');
    expect((err as SourceError).exitCode).toBe(2);
  });

  it('an ACL user that may not run CLUSTER SLOTS is access_denied naming the command', async () => {
    const err = await createRedis(config({ cluster: nodes, username: 'reader', password: 'reader-pw' })).connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('access_denied');
    expect((err as SourceError).message).toContain('CLUSTER');
  });

  it('MULTI over a session is only safe with hash tags: the layout says so, and the cluster client refuses untagged keys', async () => {
    expect(isAtomicLayout(config({ cluster: nodes }))).toBe(false);
    expect(isAtomicLayout(config({ cluster: nodes, hashTags: true }))).toBe(true);
    const { client } = await connectRedis(config({ cluster: nodes, password: PASSWORD }));
    const tagged = await client.multi().set('manga:session:{t1}:state', '{}').set('manga:session:{t1}:pin', 'a').exec();
    expect(tagged?.map(([e]) => e)).toEqual([null, null]);
    const untagged = await client
      .multi()
      .set('manga:session:t1:state', '{}')
      .set('manga:session:t1:pin', 'a')
      .exec()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(untagged).toBeInstanceOf(Error);
    await closeRedis(client);
  });
});
