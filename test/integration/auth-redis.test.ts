import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/cli/failure.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { SourceError } from '../../src/sources/errors.js';
import { closeRedis, createRedis } from '../../src/sources/redis.js';
import { RedisProcess, runCli } from '../helpers/services.js';

/**
 * AUTH and ElastiCache-style RBAC against a real redis-server: a default user with a
 * password, and an ACL user `ro` that may only read. Passwords reach the tool from the
 * environment, a file, the config or (warned) the URL; a wrong one is one line and exit 2;
 * the read-only user can diagnose (scan, doctor) but a repair is refused by Redis itself,
 * and the tool says which permission is missing.
 */
const ADMIN_PASSWORD = 'admin-Secret-4d1f';
const RO_PASSWORD = 'ro-Secret-93ab';
/** What ElastiCache RBAC calls a read-only user (the brief's ACL, verbatim). */
const RO_ACL = ['ro', 'on', `>${RO_PASSWORD}`, '~*', '&*', '+@read', '+scan', '+info', '+ping', '+cluster|info', '-@write'];

const turn = (content: string, ts: number) => JSON.stringify({ role: 'user', content, ts });

describe('Redis AUTH and a read-only ACL user', () => {
  let server: RedisProcess;
  let admin: Redis;
  let dir: string;
  let url: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    server = await new RedisProcess({ extraArgs: ['--requirepass', ADMIN_PASSWORD] }).start();
    admin = new Redis(server.port, '127.0.0.1', { password: ADMIN_PASSWORD, maxRetriesPerRequest: 1 });
    await admin.call('ACL', 'SETUSER', ...RO_ACL);
    // A session whose turns list is corrupt and whose backup is good: restore-backup applies.
    await admin.rpush('manga:session:auth-1:turns', turn('hello', 1), '{not json');
    await admin.set('manga:session:auth-1:backup', JSON.stringify([{ role: 'user', content: 'hello', ts: 1 }, { role: 'assistant', content: 'hi', ts: 2 }]));
    dir = mkdtempSync(join(tmpdir(), 'auth-redis-'));
    url = `redis://127.0.0.1:${server.port}`;
    const closed = `http://127.0.0.1:${await freePort()}`;
    cliEnv = { XDG_CONFIG_HOME: dir, AWS_ENDPOINT_URL: closed, AWS_ACCESS_KEY_ID: 'AKIAAUTHTESTONLY0000', AWS_SECRET_ACCESS_KEY: 'auth-test-secret' };
  });
  afterAll(async () => {
    await admin?.quit().catch(() => admin.disconnect());
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (redis: ConfigInput['redis']) => configSchema.parse({ redis, timeoutMs: 2000 });
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  };

  it('the password from the config, a file or the URL authenticates the default user', async () => {
    const file = join(dir, 'redis-password');
    writeFileSync(file, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    for (const redis of [{ url, password: ADMIN_PASSWORD }, { url, passwordFile: file }, { url: `redis://:${ADMIN_PASSWORD}@127.0.0.1:${server.port}` }]) {
      const client = await createRedis(config(redis)).connect();
      expect(await client.exists('manga:session:auth-1:turns')).toBe(1);
      await closeRedis(client);
    }
  });

  it('a wrong password and a wrong user are auth_failed (exit 2), and no password is echoed', async () => {
    const wrongPassword = await failure(createRedis(config({ url, password: 'not-the-password' })).connect());
    expect(wrongPassword).toMatchObject({ kind: 'auth_failed', exitCode: 2, errorCode: 'REDIS_AUTH_FAILED' });
    expect(wrongPassword.message).toContain('wrong username or password (WRONGPASS)');
    const wrongUser = await failure(createRedis(config({ url, username: 'nobody', password: RO_PASSWORD })).connect());
    expect(wrongUser.kind).toBe('auth_failed');
    const none = await failure(createRedis(config({ url })).connect());
    expect(none.message).toContain('the server requires a password and none was sent (NOAUTH)');
    for (const e of [wrongPassword, wrongUser, none]) {
      expect(`${e.message} ${e.hint}`).not.toContain('not-the-password');
      expect(`${e.message} ${e.hint}`).not.toContain(RO_PASSWORD);
    }
  });

  it('through the CLI a wrong password is one line and a hint, exit 2, no stack trace', async () => {
    const r = await runCli(['scan', 'redis', '--redis-url', url], { env: { ...cliEnv, MANGA_ONCALL_REDIS_PASSWORD: 'not-the-password' } });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: Redis 127\.0\.0\.1:\d+: authentication failed: wrong username or password \(WRONGPASS\)$/);
    expect(lines[1]).toMatch(/^hint: /);
    expect(r.stdout).toBe('');
  });

  it('a password inside --redis-url works but warns that it is in the shell history', async () => {
    const r = await runCli(['scan', 'redis', '--json', '--redis-url', `redis://ro:${RO_PASSWORD}@127.0.0.1:${server.port}`], { env: cliEnv });
    expect([0, 3]).toContain(r.code);
    expect(r.stderr).toContain('the password in --redis-url is now in your shell history');
    expect(r.stderr).toContain('MANGA_ONCALL_REDIS_PASSWORD');
    expect(r.stdout + r.stderr).not.toContain(RO_PASSWORD);
    // The same credentials from the environment: no warning.
    const quiet = await runCli(['scan', 'redis', '--json', '--redis-url', `redis://ro@127.0.0.1:${server.port}`], { env: { ...cliEnv, MANGA_ONCALL_REDIS_PASSWORD: RO_PASSWORD } });
    expect(quiet.code).toBe(r.code);
    expect(quiet.stderr).not.toContain('shell history');
  });

  it('the read-only user can read: scan redis finds the corrupt session, doctor passes the Redis line', async () => {
    const env = { ...cliEnv, MANGA_ONCALL_REDIS_USERNAME: 'ro', MANGA_ONCALL_REDIS_PASSWORD: RO_PASSWORD };
    const scan = await runCli(['scan', 'redis', '--json', '--redis-url', url], { env });
    expect(scan.code).toBe(3);
    expect(scan.stdout).toContain('auth-1');
    const doctor = await runCli(['doctor', '--json', '--redis-url', url], { env });
    const line = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.find((c) => c.id === 'redis');
    expect(line).toMatchObject({ status: 'ok' });
    expect(line?.detail).toContain('ACL user ro');
  });

  it('a repair as the read-only user is refused by Redis (NOPERM): one line naming the command, exit 2, nothing changed', async () => {
    const client = await createRedis(config({ url, username: 'ro', password: RO_PASSWORD })).connect();
    const before = await admin.lrange('manga:session:auth-1:turns', 0, -1);
    try {
      const store = new SessionStore({ redis: client });
      const err = await store.restoreFromBackup(parseSessionId('auth-1')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      // What the CLI prints and exits with for whatever the repair threw.
      const f = classifyFailure(err);
      expect(f.exitCode).toBe(2);
      expect(f.code).toBe('REDIS_ACCESS_DENIED');
      expect(f.message).toMatch(/the ACL user may not run [A-Z]+ \(NOPERM\)/);
      expect(f.message.split('\n')).toHaveLength(1);
      expect(f.hint).toContain('read-only user can diagnose but not fix');
    } finally {
      await closeRedis(client);
    }
    expect(await admin.lrange('manga:session:auth-1:turns', 0, -1)).toEqual(before);
  });

  it('`fix session --yes` as the read-only user: Redis refuses, the CLI says which command in one line, exit 2', async () => {
    const before = await admin.lrange('manga:session:auth-1:turns', 0, -1);
    const env = { ...cliEnv, MANGA_ONCALL_REDIS_USERNAME: 'ro', MANGA_ONCALL_REDIS_PASSWORD: RO_PASSWORD, MANGA_ONCALL_AUDIT_PATH: join(dir, 'audit.jsonl') };
    const r = await runCli(['fix', 'session', 'auth-1', '--action', 'restore-backup', '--yes', '--redis-url', url], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Redis.*: the ACL user may not run [A-Z]+ \(NOPERM\)$/m);
    expect(r.stderr).toMatch(/^hint: .*read-only user can diagnose but not fix/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await admin.lrange('manga:session:auth-1:turns', 0, -1)).toEqual(before);
    const json = await runCli(['fix', 'session', 'auth-1', '--action', 'restore-backup', '--yes', '--json', '--redis-url', url], { env });
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('REDIS_ACCESS_DENIED');
  });

  it('classifies a refusal inside MULTI (EXECABORT) by the queued NOPERM, not as an internal error', async () => {
    const client = await createRedis(config({ url, username: 'ro', password: RO_PASSWORD })).connect();
    try {
      const err = await client.multi().get('manga:session:auth-1:backup').set('manga:session:auth-1:pin', 'x').exec().then(
        () => undefined,
        (e: unknown) => e,
      );
      const f = classifyFailure(err);
      expect(f).toMatchObject({ exitCode: 2, code: 'REDIS_ACCESS_DENIED' });
      expect(f.message).toContain('NOPERM');
    } finally {
      await closeRedis(client);
    }
    expect(await admin.exists('manga:session:auth-1:pin')).toBe(0);
  });
});
