import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { Config } from '../config/schema.js';
import { SourceError } from './errors.js';

/**
 * Turns the `redis` section of the config into what ioredis needs: where to connect,
 * whether TLS is on, and the secrets, which are read only when connecting (a password
 * file rotated by a secrets agent is picked up on the next run, and nothing holds the
 * secret longer than the connection does).
 */

export type RedisConfig = Config['redis'];

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisTarget {
  mode: 'single' | 'cluster';
  /** One node in single mode; the startup nodes in cluster mode. */
  nodes: RedisNode[];
  db: number;
  /** `rediss://` or a `redis.tls` section turns TLS on. */
  tls: boolean;
  username: string | undefined;
  /** The password written in the URL, used only when neither password nor passwordFile is set. */
  urlPassword: string | undefined;
  /** For messages and hints: never carries credentials. */
  display: string;
}

function configError(message: string, hint: string, cause?: unknown): SourceError {
  return new SourceError({ source: 'redis', kind: 'invalid_request', message, hint, cause });
}

function parsePort(raw: string, where: string): number {
  const port = raw === '' ? 6379 : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw configError(`${where}: port ${JSON.stringify(raw)} is not a TCP port`, 'use host:port with a port from 1 to 65535');
  }
  return port;
}

function decode(part: string): string | undefined {
  if (!part) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Where and how to connect; throws an `invalid_request` SourceError (exit 2) for a bad endpoint. */
export function resolveRedisTarget(redis: RedisConfig): RedisTarget {
  let url: URL | undefined;
  if (redis.url) {
    try {
      url = new URL(redis.url);
    } catch (err) {
      // The URL may hold a password: never echo it.
      throw configError('redis.url is not a valid URL', 'use redis://host:6379 or rediss://user@host:6379/0', err);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw configError(`redis.url has scheme ${url.protocol}`, 'use redis:// or rediss://');
    }
  }
  const tls = url?.protocol === 'rediss:' || redis.tls !== undefined;
  const username = redis.username ?? decode(url?.username ?? '');
  const urlPassword = decode(url?.password ?? '');
  const dbText = url ? url.pathname.replace(/^\//, '') : '';
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw configError(`redis.url: database ${JSON.stringify(dbText)} is not a number`, 'end the URL with /0 (or no path)');
  }

  if (redis.cluster && redis.cluster.length > 0) {
    if (db !== 0) throw configError('redis.url selects a database, which Redis Cluster does not have', 'drop the /<db> path in cluster mode');
    const nodes = redis.cluster.map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: parsePort(hp.slice(i + 1), `redis.cluster node ${hp}`) };
    });
    const first = nodes[0]!;
    const more = nodes.length > 1 ? ` (+${nodes.length - 1} more)` : '';
    return { mode: 'cluster', nodes, db: 0, tls, username, urlPassword, display: `cluster ${first.host}:${first.port}${more}` };
  }
  if (!url) {
    throw configError('no Redis endpoint is configured', 'pass --redis-url (or MANGA_ONCALL_REDIS_URL, or redis.url in the config), or --redis-cluster for a cluster');
  }
  if (!url.hostname) throw configError('redis.url has no host', 'use redis://host:6379');
  // URL keeps IPv6 literals in brackets; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsePort(url.port, 'redis.url');
  return { mode: 'single', nodes: [{ host, port }], db, tls, username, urlPassword, display: `${host}:${port}` };
}

/**
 * The warning the CLI must print, loudly, when certificate checks are off. Verification is
 * only ever disabled by an explicit `insecureSkipVerify: true`.
 */
export function redisTlsWarning(redis: RedisConfig): string | undefined {
  if (redis.tls?.insecureSkipVerify !== true) return undefined;
  return 'WARNING: redis.tls.insecureSkipVerify is set: the Redis server certificate is NOT verified, so anyone on the network path can impersonate the server and read the session data and the AUTH password. Use it only against a lab, never in production.';
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw configError(`cannot read ${what} ${path} (${code})`, `check that ${what} names a readable file`, err);
  }
}

/** The password to send: redis.password, else redis.passwordFile (read now), else the URL's. */
export async function resolveRedisPassword(redis: RedisConfig, target: RedisTarget): Promise<string | undefined> {
  if (redis.password !== undefined && redis.password !== '') return redis.password;
  if (redis.passwordFile) {
    // Secret files usually end with a newline that is not part of the password.
    const secret = (await readSecretFile(redis.passwordFile, 'redis.passwordFile')).replace(/\r?\n$/, '');
    if (secret === '') throw configError(`redis.passwordFile ${redis.passwordFile} is empty`, 'write the AUTH token into the file, or remove redis.passwordFile');
    return secret;
  }
  return target.urlPassword;
}

/** Node TLS options from `redis.tls`; certificate files are read now. */
export async function buildRedisTls(redis: RedisConfig): Promise<ConnectionOptions> {
  const t = redis.tls;
  const options: ConnectionOptions = {};
  if (t?.ca) options.ca = await readSecretFile(t.ca, 'redis.tls.ca');
  if (t?.cert) options.cert = await readSecretFile(t.cert, 'redis.tls.cert');
  if (t?.key) options.key = await readSecretFile(t.key, 'redis.tls.key');
  if (t?.servername) options.servername = t.servername;
  if (t?.insecureSkipVerify === true) {
    options.rejectUnauthorized = false;
    options.checkServerIdentity = () => undefined;
  }
  return options;
}
