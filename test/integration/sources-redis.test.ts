import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { SourceError } from '../../src/sources/errors.js';
import { classifyRedisError } from '../../src/sources/redis-errors.js';
import { closeRedis, connectRedis, createRedis, isAtomicLayout, layoutFromConfig, mastersOf } from '../../src/sources/redis.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { startRedis } from '../helpers/services.js';

const PASSWORD = 'pw-0f3a9c';
const config = (redis: ConfigInput['redis'], timeoutMs = 2000) => configSchema.parse({ redis, timeoutMs });

async function sourceErrorOf(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('Redis factory against a real redis-server with AUTH and ACL users', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis({
      extraArgs: ['--requirepass', PASSWORD, '--user', 'reader', 'on', '>reader-pw', '~*', '-@all', '+@read'],
    });
    url = redis.server.url;
    dir = mkdtempSync(join(tmpdir(), 'sources-redis-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the password and serves commands; one master; closes cleanly', async () => {
    const { client, warning } = await connectRedis(config({ url, password: PASSWORD }));
    expect(warning).toBeUndefined();
    await client.set('manga:session:s1:pin', 'ProductSearchAgent');
    expect(await client.get('manga:session:s1:pin')).toBe('ProductSearchAgent');
    expect(mastersOf(client)).toEqual([client]);
    await closeRedis(client);
    expect(client.status).toBe('end');
  });

  it('a wrong password is auth_failed with exit 2, and the password appears nowhere', async () => {
    const err = await sourceErrorOf(createRedis(config({ url, password: 'not-the-password' })).connect());
    expect(err.kind).toBe('auth_failed');
    expect(err.exitCode).toBe(2);
    expect(err.errorCode).toBe('REDIS_AUTH_FAILED');
    expect(err.hint).toContain('redis.username/password');
    expect(JSON.stringify(err.toJSON())).not.toContain('not-the-password');
    expect(err.message).not.toContain('not-the-password');
  });

  it('no password against a server that requires one is auth_failed (NOAUTH)', async () => {
    const err = await sourceErrorOf(createRedis(config({ url })).connect());
    expect(err.kind).toBe('auth_failed');
    expect(err.message).toContain('NOAUTH');
  });

  it('reads the password from passwordFile at connect time, trailing newline stripped', async () => {
    const file = join(dir, 'auth-token');
    const factory = createRedis(config({ url, passwordFile: file }));
    // The file does not exist yet when the factory is made: it is read by connect().
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const client = await factory.connect();
    expect(await client.dbsize()).toBeGreaterThanOrEqual(0);
    await closeRedis(client);
  });

  it('an unreadable passwordFile is a configuration error (exit 2) naming the file, not its content', async () => {
    const err = await sourceErrorOf(createRedis(config({ url, passwordFile: join(dir, 'missing') })).connect());
    expect(err.kind).toBe('invalid_request');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('redis.passwordFile');
    expect(err.message).toContain('ENOENT');
  });

  it('an ACL user with read-only rights connects and reads; a write is access_denied naming the command', async () => {
    const admin = await connectRedis(config({ url, password: PASSWORD }));
    await admin.client.set('manga:session:ro1:state', '{"version":1}');
    // The user and password in the URL, percent-decoded.
    const readerUrl = url.replace('redis://', 'redis://reader:reader-pw@');
    const { client } = await connectRedis(config({ url: readerUrl }));
    expect(await client.get('manga:session:ro1:state')).toBe('{"version":1}');
    const writeErr = await client.set('manga:session:ro1:state', '{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    const err = classifyRedisError(writeErr, { target: url });
    expect(err.kind).toBe('access_denied');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('SET');
    expect(err.message).toContain('NOPERM');
    // Nothing was written.
    expect(await admin.client.get('manga:session:ro1:state')).toBe('{"version":1}');
    await closeRedis(client);
    await closeRedis(admin.client);
  });

  it('a wrong password for a named ACL user is auth_failed, not a half-open client', async () => {
    const err = await sourceErrorOf(createRedis(config({ url, username: 'reader', password: 'wrong' })).connect());
    expect(err.kind).toBe('auth_failed');
    expect(err.message).toContain('WRONGPASS');
  });
});

describe('Redis factory: unreachable, hung and malformed endpoints', () => {
  let hung: Server | undefined;
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
  });

  it('a port nobody listens on is unreachable (exit 4)', async () => {
    const port = await freePort();
    const err = await sourceErrorOf(createRedis(config({ url: `redis://127.0.0.1:${port}` }, 1000)).connect());
    expect(err.kind).toBe('unreachable');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('a server that accepts but never answers is a timeout, and the client is left disconnected', async () => {
    // resume(): read and drop what the client sends, so its hang-up is seen.
    hung = createServer((s) => sockets.push(s.resume()));
    await new Promise<void>((resolve) => hung!.listen(0, '127.0.0.1', () => resolve()));
    const port = (hung.address() as { port: number }).port;
    const started = Date.now();
    const err = await sourceErrorOf(createRedis(config({ url: `redis://127.0.0.1:${port}` }, 300)).connect());
    expect(err.kind).toBe('timeout');
    expect(err.exitCode).toBe(4);
    // Bounded by the source timeout (plus slack for a loaded machine), not by ioredis' retries.
    expect(Date.now() - started).toBeLessThan(300 + 1000);
    // The factory hung up: every socket it opened is closed (this would hang otherwise).
    expect(sockets.length).toBeGreaterThan(0);
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
  });

  it('a malformed endpoint fails at creation with exit 2, before any connection', () => {
    let err: unknown;
    try {
      createRedis(config({ url: 'redis://127.0.0.1:99999' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('invalid_request');
    expect((err as SourceError).exitCode).toBe(2);
  });

  it('no endpoint at all is a configuration error that says which flag to use', () => {
    expect(() => createRedis(config({}))).toThrowError(/no Redis endpoint/);
  });

  it('a URL with credentials is never echoed when it cannot be parsed', () => {
    let err: unknown;
    try {
      createRedis(config({ url: 'redis://user:s3cr3t@[bad' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).message).not.toContain('s3cr3t');
  });
});

describe('key layout helpers', () => {
  it('layoutFromConfig carries prefix and hash tags', () => {
    expect(layoutFromConfig(config({ url: 'redis://h:1', keyPrefix: 'mx', hashTags: true }))).toEqual({ prefix: 'mx', hashTags: true });
  });
  it('only a cluster without hash tags is non-atomic', () => {
    expect(isAtomicLayout(config({ url: 'redis://h:1' }))).toBe(true);
    expect(isAtomicLayout(config({ cluster: ['h:1', 'h:2'] }))).toBe(false);
    expect(isAtomicLayout(config({ cluster: ['h:1', 'h:2'], hashTags: true }))).toBe(true);
  });
});
