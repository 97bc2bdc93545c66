import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { SourceError } from '../../src/sources/errors.js';
import { closeRedis, createRedis } from '../../src/sources/redis.js';
import { RedisProcess, runCli } from '../helpers/services.js';
import { makeTlsFiles, tlsServerArgs, type TlsFiles } from '../helpers/tls.js';

/**
 * Real TLS redis-servers with certificates made by the test: one with a certificate for
 * 127.0.0.1, one whose certificate names another host, one that requires client
 * certificates. Every failure must say plainly what is wrong (which name, which CA) and
 * verification is never off unless the engineer typed --insecure-skip-verify.
 */

const config = (redis: ConfigInput['redis']) => configSchema.parse({ redis, timeoutMs: 2000 });

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

async function tlsServer(files: TlsFiles, opts: Parameters<typeof tlsServerArgs>[2]): Promise<RedisProcess> {
  const port = await freePort();
  return new RedisProcess({ port, extraArgs: tlsServerArgs(files, port, opts) }).start();
}

describe('Redis over TLS with certificates made by the test', () => {
  let files: TlsFiles;
  let good: RedisProcess;
  let wrongName: RedisProcess;
  let mutual: RedisProcess;
  let dir: string;
  const url = (s: RedisProcess) => `rediss://127.0.0.1:${s.port}`;

  beforeAll(async () => {
    files = makeTlsFiles();
    dir = mkdtempSync(join(tmpdir(), 'tls-cli-'));
    [good, wrongName, mutual] = await Promise.all([
      tlsServer(files, {}),
      tlsServer(files, { cert: 'wrongName' }),
      tlsServer(files, { authClients: 'yes' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([good?.dispose(), wrongName?.dispose(), mutual?.dispose()]);
    files?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with redis.tls.ca the certificate for 127.0.0.1 verifies and commands run, with no warning', async () => {
    const factory = createRedis(config({ url: url(good), tls: { ca: files.ca } }));
    expect(factory.warning).toBeUndefined();
    const client = await factory.connect();
    await client.set('manga:session:tls-ok:pin', 'ProductSearchAgent');
    expect(await client.get('manga:session:tls-ok:pin')).toBe('ProductSearchAgent');
    await closeRedis(client);
  });

  it('without a CA bundle: "not trusted", naming the CA that issued the certificate and that redis.tls.ca is unset (exit 2)', async () => {
    const err = await failure(createRedis(config({ url: url(good) })).connect());
    expect(err.kind).toBe('tls');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('issued by CN=manga-oncall test CA');
    expect(err.message).toContain('redis.tls.ca is not set');
    expect(err.hint).toContain('set redis.tls.ca');
  });

  it("with another environment's CA bundle: the message names the missing CA and the bundle that lacks it", async () => {
    const err = await failure(createRedis(config({ url: url(good), tls: { ca: files.otherCa } })).connect());
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('issued by CN=manga-oncall test CA');
    expect(err.message).toContain(`redis.tls.ca (${files.otherCa})`);
  });

  it('a certificate for another name: says which name did not match and which names it has', async () => {
    const err = await failure(createRedis(config({ url: url(wrongName), tls: { ca: files.ca } })).connect());
    expect(err.kind).toBe('tls');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('does not name 127.0.0.1; it names DNS:wrong-name.lab.test');
    expect(err.hint).toContain('redis.tls.servername');
  });

  it('redis.tls.servername set to the name on the certificate connects, still verified', async () => {
    const client = await createRedis(config({ url: url(wrongName), tls: { ca: files.ca, servername: files.wrongName.name } })).connect();
    expect(await client.ping()).toBe('PONG');
    await closeRedis(client);
  });

  it('a server that requires client certificates: without one, the plain reason; with redis.tls.cert/key, connected', async () => {
    const err = await failure(createRedis(config({ url: url(mutual), tls: { ca: files.ca } })).connect());
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('requires a client certificate');
    expect(err.hint).toContain('redis.tls.cert and redis.tls.key');
    const client = await createRedis(config({ url: url(mutual), tls: { ca: files.ca, cert: files.client.cert, key: files.client.key } })).connect();
    expect(await client.ping()).toBe('PONG');
    await closeRedis(client);
  });

  describe('through the CLI', () => {
    // AWS endpoints on a closed port: only the Redis lines matter here, and nothing leaves the machine.
    let awsOff: Record<string, string>;
    beforeAll(async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      awsOff = { AWS_ENDPOINT_URL: closed, AWS_ACCESS_KEY_ID: 'AKIATLSTESTONLY00000', AWS_SECRET_ACCESS_KEY: 'tls-test-secret', XDG_CONFIG_HOME: dir };
    });
    const configFile = (name: string, body: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(body));
      return file;
    };
    const redisLine = (stdout: string) => (JSON.parse(stdout) as { checks: { id: string; status: string; detail: string; fix?: string }[] }).checks.find((c) => c.id === 'redis');

    it('a wrong CA is one plain line (message and hint), exit 2, no stack trace', async () => {
      const file = configFile('wrong-ca.json', { redis: { url: url(good), tls: { ca: files.otherCa } } });
      const r = await runCli(['scan', 'redis', '--config', file, '--timeout', '2s'], { env: awsOff });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: Redis 127\.0\.0\.1:\d+: TLS certificate not trusted: .*issued by CN=manga-oncall test CA/m);
      expect(r.stderr).toMatch(/^hint: .*redis\.tls\.ca/m);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });

    it('doctor reports the verified TLS connection, and the wrong name plainly', async () => {
      const ok = await runCli(['doctor', '--json', '--config', configFile('ok.json', { redis: { url: url(good), tls: { ca: files.ca } } })], { env: awsOff });
      expect(redisLine(ok.stdout)).toMatchObject({ status: 'ok' });
      expect(redisLine(ok.stdout)?.detail).toContain('TLS, certificate verified');
      const bad = await runCli(['doctor', '--json', '--config', configFile('name.json', { redis: { url: url(wrongName), tls: { ca: files.ca } } })], { env: awsOff });
      expect(bad.code).toBe(2);
      expect(redisLine(bad.stdout)).toMatchObject({ status: 'fail' });
      expect(redisLine(bad.stdout)?.detail).toContain('does not name 127.0.0.1; it names DNS:wrong-name.lab.test');
      expect(redisLine(bad.stdout)?.fix).toContain('redis.tls.servername');
    });

    it('--insecure-skip-verify connects without the CA, warns loudly on stderr every time, and is refused from a config file', async () => {
      const plain = configFile('no-ca.json', { redis: { url: url(good) } });
      const r = await runCli(['doctor', '--json', '--insecure-skip-verify', '--config', plain], { env: awsOff });
      expect(r.stderr).toMatch(/WARNING: --insecure-skip-verify: the Redis server TLS certificate is NOT verified/);
      expect(redisLine(r.stdout)).toMatchObject({ status: 'warn' });
      expect(redisLine(r.stdout)?.detail).toContain('certificate NOT verified');
      const again = await runCli(['config', 'show', '--insecure-skip-verify', '--config', plain], { env: awsOff });
      expect(again.stderr).toContain('NOT verified');

      const stored = configFile('stored.json', { redis: { url: url(good), tls: { insecureSkipVerify: true } } });
      const refused = await runCli(['doctor', '--config', stored], { env: awsOff });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('certificate checks can only be turned off per run, with the --insecure-skip-verify flag');
    });
  });
});
