import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedLab } from '../../src/lab/seed/index.js';
import { runCli } from '../helpers/services.js';
import { startRedisCluster, type RedisClusterHarness } from '../helpers/redis-cluster.js';
import { startSecureLab, type SecureLab } from '../helpers/secure-lab.js';

/**
 * `manga-oncall doctor`, the built binary against a seeded lab with Redis AUTH: one line per
 * source, the verdict in the exit code (0 all good, 4 a source unavailable, 2 credentials or
 * configuration), and no write anywhere.
 */
const PASSWORD = 'doctor-e2e-Redis-pass';

interface Check {
  id: string;
  status: string;
  name: string;
  detail: string;
  fix?: string;
  error?: { kind: string };
}

describe('manga-oncall doctor', () => {
  let lab: SecureLab;
  let configFile: string;
  let env: Record<string, string>;
  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(['doctor', '--config', configFile, ...args], { env: { ...env, ...extra } });
    return { ...r, doc: args.includes('--json') ? (JSON.parse(r.stdout) as { status: string; checks: Check[] }) : undefined };
  };
  const check = (doc: { checks: Check[] } | undefined, id: string) => doc?.checks.find((c) => c.id === id);

  beforeAll(async () => {
    lab = await startSecureLab({ redisArgs: ['--requirepass', PASSWORD] });
    await seedLab(
      { redisUrl: `redis://:${PASSWORD}@127.0.0.1:${lab.redis.port}`, dynamodb: lab.dynamoEndpoint, s3: lab.s3.endpoint, emulator: lab.emulator.endpoint },
      { scenarios: 'all', sessions: 20 },
    );
    configFile = lab.writeConfig('config.json', { redis: { url: lab.redis.url }, aws: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    env = { XDG_CONFIG_HOME: lab.dir, MANGA_ONCALL_REDIS_PASSWORD: PASSWORD };
  });
  afterAll(async () => {
    await lab?.stop();
  });
  beforeEach(() => {
    lab.calls.length = 0;
    lab.emulator.faults.clear();
  });

  it('all sources up: one ok line per source, exit 0', async () => {
    const { code, doc } = await run(['--json']);
    expect(doc?.checks.map((c) => [c.id, c.status])).toEqual([
      ['redis', 'ok'],
      ['logs', 'ok'],
      ['cloudwatch', 'ok'],
      ['elasticache', 'ok'],
      ['dynamodb.sessions', 'ok'],
      ['dynamodb.products', 'ok'],
      ['s3', 'ok'],
      ['sts', 'ok'],
    ]);
    expect(code).toBe(0);
    expect(doc?.status).toBe('ok');
    expect(check(doc, 'cloudwatch')?.detail).toMatch(/manga_session_errors=(OK|ALARM|INSUFFICIENT_DATA)/);
    expect(check(doc, 'redis')?.detail).toContain('AUTH password');
  });

  it('text output: one line per source and a verdict, on stdout', async () => {
    const { code, stdout } = await run([]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toMatch(/^\[ ok \] Redis 127\.0\.0\.1:\d+ +\d+ ms {2}connected and authenticated/);
    expect(lines[8]).toMatch(/^all sources reachable and readable/);
  });

  it('never writes: only read commands reach Redis, only reads reach the AWS services', async () => {
    const admin = new Redis(lab.redis.port, '127.0.0.1', { password: PASSWORD });
    try {
      await admin.config('RESETSTAT');
      const before = await admin.dbsize();
      await run(['--json']);
      const stats = (await admin.info('commandstats')).split('\n').flatMap((l) => /^cmdstat_([^:]+):/.exec(l)?.[1] ?? []);
      // What doctor's connection may run (and the INFO and CONFIG of this test itself).
      const allowed = new Set(['auth', 'client|setname', 'ping', 'scan', 'quit', 'info', 'config|resetstat', 'select', 'dbsize']);
      expect(stats.filter((s) => !allowed.has(s))).toEqual([]);
      expect(await admin.dbsize()).toBe(before);
    } finally {
      await admin.quit();
    }
    const operations = new Set(lab.calls.map((c) => `${c.service}:${c.operation}`));
    expect([...operations].sort()).toEqual(
      ['dynamodb:Scan', 'elasticache:DescribeReplicationGroups', 'logs:StartQuery', 'logs:StopQuery', 'monitoring:DescribeAlarms', 'sts:GetCallerIdentity'].sort(),
    );
  });

  it('a source that hangs is reported within the timeout as unavailable (exit 4); the rest still answer', async () => {
    lab.emulator.faults.inject({ service: 'logs', kind: 'hang' });
    // A budget the healthy sources meet even on a busy machine; the hung one never answers.
    const { code, doc } = await run(['--json', '--timeout', '3s']);
    expect(code).toBe(4);
    expect(doc?.status).toBe('unavailable');
    expect(check(doc, 'logs')).toMatchObject({ status: 'fail', error: { kind: 'timeout' } });
    expect(check(doc, 'logs')?.fix).toContain('raise --timeout');
    expect(doc?.checks.filter((c) => c.id !== 'logs').every((c) => c.status === 'ok')).toBe(true);
  });

  it('throttling is unavailable too (exit 4), with the fix on the same line', async () => {
    lab.emulator.faults.inject({ service: 'monitoring', kind: 'throttle' });
    const { code, stdout } = await run([]);
    expect(code).toBe(4);
    expect(stdout).toMatch(/^\[FAIL\] CloudWatch alarms .*throttled.* -> fix: CloudWatch is throttling this account/m);
  });

  it('a wrong Redis password or a missing table is a configuration problem (exit 2), which outranks an unavailable source', async () => {
    lab.emulator.faults.inject({ service: 'elasticache', kind: '5xx', status: 503 });
    const wrong = await run(['--json'], { MANGA_ONCALL_REDIS_PASSWORD: 'wrong' });
    expect(wrong.code).toBe(2);
    expect(wrong.doc?.status).toBe('misconfigured');
    expect(check(wrong.doc, 'redis')).toMatchObject({ status: 'fail', error: { kind: 'auth_failed' } });
    expect(check(wrong.doc, 'elasticache')).toMatchObject({ status: 'fail', error: { kind: 'unavailable' } });
    expect(wrong.stdout).not.toContain(PASSWORD);

    const renamed = lab.writeConfig('renamed.json', { redis: { url: lab.redis.url }, aws: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, names: { sessionsTable: 'manga_sessions_v2' } });
    const r = await runCli(['doctor', '--json', '--config', renamed], { env });
    expect(r.code).toBe(2);
    const table = (JSON.parse(r.stdout) as { checks: Check[] }).checks.find((c) => c.id === 'dynamodb.sessions');
    expect(table).toMatchObject({ status: 'fail', name: 'DynamoDB table manga_sessions_v2', error: { kind: 'not_found' } });
    expect(table?.fix).toContain('names.*');
  });

  describe('on a Redis Cluster', () => {
    let cluster: RedisClusterHarness;
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3 });
      const c = await cluster.client();
      await c.rpush('manga:session:plain-1:turns', JSON.stringify({ role: 'user', content: 'x', ts: 1 }));
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('one line per master, and the CROSSSLOT hazard of plain session ids', async () => {
      const r = await runCli(['doctor', '--json', '--config', configFile, '--redis-cluster', cluster.nodes.join(',')], { env: { ...env, MANGA_ONCALL_REDIS_PASSWORD: '' } });
      expect(r.stderr).toBe('');
      const doc = JSON.parse(r.stdout) as { checks: Check[] };
      const masters = doc.checks.filter((c) => c.id.startsWith('redis.master.'));
      expect(masters.map((m) => m.name).sort()).toEqual(cluster.nodes.map((n) => `Redis master ${n}`).sort());
      expect(masters.every((m) => m.status === 'ok')).toBe(true);
      const hazard = check(doc, 'redis.crossslot');
      expect(hazard?.status).toBe('warn');
      expect(hazard?.detail).toContain('CROSSSLOT');
      expect(hazard?.fix).toContain('redis.hashTags');
      expect(r.code).toBe(0);
    });
  });
});
