import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyError } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { classifyRedisError, replyCode } from '../../src/sources/redis-errors.js';
import { buildRedisTls, redisTlsWarning, resolveRedisPassword, resolveRedisTarget } from '../../src/sources/redis-options.js';
import { SourceError } from '../../src/sources/errors.js';

const redis = (r: ConfigInput['redis']) => configSchema.parse({ redis: r }).redis;

/** ReplyError is the class ioredis rejects with for every Redis error reply. */
function reply(text: string, command?: string): Error {
  const err = new ReplyError(text) as Error & { command?: { name: string; args: unknown[] } };
  if (command) err.command = { name: command, args: ['k'] };
  return err;
}

describe('classifyRedisError', () => {
  it('reads the reply code, the first word by protocol', () => {
    expect(replyCode(reply('WRONGPASS invalid username-password pair or user is disabled.'))).toBe('WRONGPASS');
    expect(replyCode(reply('ERR unknown command'))).toBe('ERR');
    expect(replyCode(new Error('WRONGPASS but not a reply'))).toBeUndefined();
  });

  it('WRONGPASS and NOAUTH are auth_failed (exit 2) pointing at the credentials settings', () => {
    for (const text of ['WRONGPASS invalid username-password pair', 'NOAUTH Authentication required.']) {
      const e = classifyRedisError(reply(text), { target: 'h:6379' });
      expect(e.kind).toBe('auth_failed');
      expect(e.exitCode).toBe(2);
      expect(e.hint).toContain('redis.username/password');
    }
  });

  it('NOPERM is access_denied and names the command that was refused, not its arguments', () => {
    const e = classifyRedisError(reply("NOPERM this user has no permissions to run the 'del' command", 'del'));
    expect(e.kind).toBe('access_denied');
    expect(e.message).toContain('DEL');
    expect(e.message).not.toContain("'k'");
  });

  it('LOADING, MASTERDOWN, READONLY and friends are unavailable; CROSSSLOT and MOVED are configuration problems', () => {
    for (const code of ['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'READONLY', 'BUSY']) {
      expect(classifyRedisError(reply(`${code} something`)).kind, code).toBe('unavailable');
    }
    const crossslot = classifyRedisError(reply("CROSSSLOT Keys in request don't hash to the same slot"));
    expect(crossslot.kind).toBe('invalid_request');
    expect(crossslot.hint).toContain('redis.hashTags');
    expect(classifyRedisError(reply('MOVED 3999 127.0.0.1:6381')).hint).toContain('--redis-cluster');
  });

  it('TLS codes map to the fix: servername for a name mismatch, the CA bundle for an unknown issuer', () => {
    const altname = classifyRedisError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), { host: 'cache.internal' });
    expect(altname.kind).toBe('tls');
    expect(altname.hint).toBe('the certificate does not name cache.internal; set redis.tls.servername or use the name on the certificate');
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
      const e = classifyRedisError(Object.assign(new Error('x'), { code }));
      expect(e.hint).toBe('the CA is missing: set redis.tls.ca to the CA bundle');
      expect(e.exitCode).toBe(2);
    }
  });

  it('socket codes: refused is unreachable, timed out is timeout; a cluster failure yields its node error', () => {
    expect(classifyRedisError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).kind).toBe('unreachable');
    expect(classifyRedisError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })).kind).toBe('timeout');
    const clusterFailed = Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError', lastNodeError: reply('WRONGPASS x') });
    expect(classifyRedisError(clusterFailed).kind).toBe('auth_failed');
  });

  it('a bare error on a client that is not connected is a lost connection; otherwise unknown', () => {
    expect(classifyRedisError(new Error("Stream isn't writeable"), { status: 'reconnecting' }).kind).toBe('unreachable');
    expect(classifyRedisError(new Error('something odd'), { status: 'ready' }).kind).toBe('unknown');
    const same = new SourceError({ source: 'redis', kind: 'tls', message: 'm', hint: 'h' });
    expect(classifyRedisError(same)).toBe(same);
  });
});

describe('resolveRedisTarget', () => {
  it('rediss:// turns TLS on; credentials in the URL are percent-decoded; the display has none', () => {
    const t = resolveRedisTarget(redis({ url: 'rediss://on%2Dcall:p%40ss@cache.example.com:6380/2' }));
    expect(t).toMatchObject({ mode: 'single', tls: true, username: 'on-call', urlPassword: 'p@ss', db: 2, nodes: [{ host: 'cache.example.com', port: 6380 }] });
    expect(t.display).toBe('cache.example.com:6380');
    expect(t.display).not.toContain('p@ss');
  });

  it('redis:// without a tls section is plain; the default port is 6379; IPv6 loses its brackets', () => {
    expect(resolveRedisTarget(redis({ url: 'redis://[::1]' }))).toMatchObject({ tls: false, nodes: [{ host: '::1', port: 6379 }], db: 0 });
    expect(resolveRedisTarget(redis({ url: 'redis://h:1', tls: { ca: '/ca.pem' } })).tls).toBe(true);
  });

  it('cluster nodes come from redis.cluster; a database number there is an error', () => {
    const t = resolveRedisTarget(redis({ cluster: ['a:7000', 'b:7001', 'c:7002'], username: 'u' }));
    expect(t).toMatchObject({ mode: 'cluster', username: 'u', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: 'c', port: 7002 }] });
    expect(t.display).toBe('cluster a:7000 (+2 more)');
    expect(() => resolveRedisTarget(redis({ cluster: ['a:7000'], url: 'redis://a:7000/3' }))).toThrowError(/database/);
  });

  it('bad ports and missing endpoints are invalid_request with exit 2', () => {
    for (const r of [redis({ url: 'redis://h:0' }), redis({ cluster: ['h:70000'] }), redis({})]) {
      let err: unknown;
      try {
        resolveRedisTarget(r);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).exitCode).toBe(2);
    }
  });
});

describe('secrets and TLS options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sources-redis-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('password precedence: redis.password, then passwordFile, then the URL', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\r\n');
    const url = 'redis://u:from-url@h:1';
    const pick = (r: ConfigInput['redis']) => resolveRedisPassword(redis(r), resolveRedisTarget(redis(r)));
    expect(await pick({ url, password: 'from-config', passwordFile: file })).toBe('from-config');
    expect(await pick({ url, passwordFile: file })).toBe('from-file');
    expect(await pick({ url })).toBe('from-url');
    writeFileSync(join(dir, 'empty'), '\n');
    await expect(pick({ url, passwordFile: join(dir, 'empty') })).rejects.toThrowError(/is empty/);
  });

  it('verification stays on unless insecureSkipVerify is exactly true, which also yields the warning', async () => {
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    const verified = await buildRedisTls(redis({ url: 'rediss://h:1', tls: { ca: join(dir, 'ca.pem'), servername: 'cache.internal' } }));
    expect(verified).toEqual({ ca: 'PEM', servername: 'cache.internal' });
    expect(redisTlsWarning(redis({ url: 'rediss://h:1', tls: {} }))).toBeUndefined();
    const insecure = redis({ url: 'rediss://h:1', tls: { insecureSkipVerify: true } });
    expect((await buildRedisTls(insecure)).rejectUnauthorized).toBe(false);
    expect(redisTlsWarning(insecure)).toMatch(/^WARNING: /);
  });

  it('an unreadable certificate file is a configuration error naming the setting', async () => {
    await expect(buildRedisTls(redis({ url: 'rediss://h:1', tls: { ca: join(dir, 'missing.pem') } }))).rejects.toThrowError(/redis\.tls\.ca .*ENOENT/);
  });
});
