import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { SourceError } from '../../src/sources/errors.js';
import { closeRedis, connectRedis, createRedis } from '../../src/sources/redis.js';
import { RedisProcess } from '../helpers/services.js';

/**
 * A real TLS redis-server with a certificate from a throwaway CA that names only
 * `redis.lab.test`, so connecting to 127.0.0.1 exercises every certificate failure.
 */
const SERVER_NAME = 'redis.lab.test';

function makeCertificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=manga-oncall test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${SERVER_NAME}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${SERVER_NAME}\n`);
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

const config = (redis: ConfigInput['redis']) => configSchema.parse({ redis, timeoutMs: 2000 });

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('Redis factory over TLS against a real redis-server', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let tlsServer: RedisProcess;
  let plainServer: RedisProcess;
  let tlsUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sources-tls-'));
    certs = makeCertificates(dir);
    const port = await freePort();
    tlsServer = await new RedisProcess({
      port,
      extraArgs: ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no'],
    }).start();
    tlsUrl = `rediss://127.0.0.1:${port}`;
    plainServer = await new RedisProcess().start();
  });
  afterAll(async () => {
    await tlsServer?.dispose();
    await plainServer?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the CA the certificate is not trusted: tls, exit 2, "set redis.tls.ca"', async () => {
    const err = await failure(createRedis(config({ url: tlsUrl })).connect());
    expect(err.kind).toBe('tls');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toBe('the CA is missing: set redis.tls.ca to the CA bundle');
  });

  it('with the CA but the wrong host name: the certificate does not name 127.0.0.1', async () => {
    const err = await failure(createRedis(config({ url: tlsUrl, tls: { ca: certs.ca } })).connect());
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err.hint).toBe('the certificate does not name 127.0.0.1; set redis.tls.servername or use the name on the certificate');
  });

  it('with the CA and the servername on the certificate it connects, verified, with no warning', async () => {
    const { client, warning } = await connectRedis(config({ url: tlsUrl, tls: { ca: certs.ca, servername: SERVER_NAME } }));
    expect(warning).toBeUndefined();
    await client.set('manga:session:tls1:pin', 'RecommendationAgent');
    expect(await client.get('manga:session:tls1:pin')).toBe('RecommendationAgent');
    await closeRedis(client);
  });

  it('insecureSkipVerify connects without the CA, and only with a loud warning', async () => {
    const factory = createRedis(config({ url: tlsUrl, tls: { insecureSkipVerify: true } }));
    expect(factory.warning).toMatch(/^WARNING: .*NOT verified/);
    const client = await factory.connect();
    expect(await client.exists('manga:session:tls1:pin')).toBe(1);
    await closeRedis(client);
  });

  it('a tls section without insecureSkipVerify keeps verification on', async () => {
    const err = await failure(createRedis(config({ url: tlsUrl.replace('rediss:', 'redis:'), tls: {} })).connect());
    expect(err.kind).toBe('tls');
  });

  it('rediss:// to a plain server (which waits for a command line) times out and says to try redis://', async () => {
    const err = await failure(createRedis(configSchema.parse({ redis: { url: `rediss://127.0.0.1:${plainServer.port}` }, timeoutMs: 500 })).connect());
    expect(err.kind).toBe('timeout');
    expect(err.exitCode).toBe(4);
    expect(err.hint).toContain('use redis:// instead of rediss://');
  });

  it('redis:// to a TLS-only port does not pass as connected', async () => {
    const err = await failure(createRedis(config({ url: tlsUrl.replace('rediss:', 'redis:') })).connect());
    expect(err.kind).toBe('unreachable');
    // The server resets or closes the connection; either way the hint names the fix.
    expect(err.hint).toMatch(/if (it|the server) requires TLS.*use rediss:\/\//);
  });
});
