import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { KeyLayout } from '../core/keys.js';
import { SourceError } from './errors.js';
import { classifyRedisError, replyCode, untrustedCertificateCode, type RedisErrorContext } from './redis-errors.js';
import { buildRedisTls, redisTlsWarning, resolveRedisPassword, resolveRedisTarget, type RedisTarget } from './redis-options.js';
import { withTimeout } from './timeout.js';
import { probeTlsServer } from './tls-peer.js';

/** A connection to the session store: one server, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** What {@link createRedis} returns: nothing is connected until `connect()`. */
export interface RedisFactory {
  readonly mode: 'single' | 'cluster';
  /** `host:port` or `cluster host:port (+n more)`: safe to print, no credentials. */
  readonly target: string;
  /** A warning the CLI must print loudly (TLS verification off), or undefined. */
  readonly warning: string | undefined;
  /**
   * Reads the secrets, connects, and proves the connection is authenticated. Rejects with
   * a classified {@link SourceError}: `auth_failed` (exit 2) for a wrong password,
   * `tls` for certificate problems, `unreachable`/`timeout` (exit 4) when the server is
   * down, `invalid_request` (exit 2) for an unreadable password or certificate file.
   */
  connect(): Promise<RedisClient>;
}

export interface RedisFactoryOptions {
  /** Per-source timeout; defaults to `config.timeoutMs`. */
  timeoutMs?: number;
  /** Shown in CLIENT LIST so an ElastiCache operator can tell who is connected. */
  connectionName?: string;
}

/** Reconnect a few times for a failover blip, then give up so a command fails instead of hanging. */
function retryStrategy(times: number): number | null {
  return times > 3 ? null : Math.min(times * 200, 1000);
}

/** Errors that mean the server rejected who we are; nothing after them can succeed. */
function isAuthFailure(err: unknown): boolean {
  const code = replyCode(err);
  return code === 'WRONGPASS' || code === 'NOAUTH';
}

/**
 * Builds the Redis connection factory from the config: a single `Redis` for `redis.url`,
 * a `Cluster` for `redis.cluster` (TLS and AUTH reach every node through `redisOptions`,
 * reads go to masters). Throws an `invalid_request` SourceError now for a malformed
 * endpoint, so a bad flag fails before anything is contacted.
 */
export function createRedis(config: Config, opts: RedisFactoryOptions = {}): RedisFactory {
  const target = resolveRedisTarget(config.redis);
  const timeoutMs = opts.timeoutMs ?? config.timeoutMs;
  return {
    mode: target.mode,
    target: target.display,
    warning: redisTlsWarning(config.redis),
    connect: () => connectTarget(config, target, timeoutMs, opts.connectionName ?? 'manga-oncall'),
  };
}

/** Shorthand: create and connect. The warning, if any, comes back for the CLI to print. */
export async function connectRedis(config: Config, opts: RedisFactoryOptions = {}): Promise<{ client: RedisClient; warning: string | undefined }> {
  const factory = createRedis(config, opts);
  return { client: await factory.connect(), warning: factory.warning };
}

async function nodeOptions(config: Config, target: RedisTarget, timeoutMs: number, connectionName: string): Promise<RedisOptions> {
  const password = await resolveRedisPassword(config.redis, target);
  const tls = target.tls ? await buildRedisTls(config.redis) : undefined;
  return {
    ...(target.username ? { username: target.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls } : {}),
    db: target.db,
    connectionName,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // Fail fast while disconnected instead of queueing commands until the timeout.
    enableOfflineQueue: false,
    // The ready check runs INFO, which a read-only ACL user (+@read) may not have; we
    // prove authentication with PING in connect() instead.
    enableReadyCheck: false,
    lazyConnect: true,
    retryStrategy,
    autoResubscribe: false,
  };
}

async function connectTarget(config: Config, target: RedisTarget, timeoutMs: number, connectionName: string): Promise<RedisClient> {
  const options = await nodeOptions(config, target, timeoutMs, connectionName);
  const first = target.nodes[0]!;
  const ctx = { target: target.display, host: config.redis.tls?.servername ?? first.host };
  const client: RedisClient =
    target.mode === 'cluster' ? new Cluster(target.nodes, clusterOptions(options, target, timeoutMs)) : new Redis({ ...options, host: first.host, port: first.port });

  // ioredis prints unhandled 'error' events to the console; library code must not print,
  // so errors are always listened to. The first one seen during connect is the real cause.
  let firstError: unknown;
  const remember = (err: unknown) => {
    if (firstError === undefined || (isAuthFailure(err) && !isAuthFailure(firstError))) firstError = err;
  };
  client.on('error', remember);
  client.on('node error', remember);

  try {
    await withTimeout(
      (async () => {
        await client.connect();
        if (client instanceof Redis) await provenAuthenticated(client, () => firstError);
      })(),
      timeoutMs,
      'redis',
      { what: target.display },
    );
  } catch (err) {
    const status = client.status;
    client.disconnect();
    const failure = connectFailure(firstError ?? err, firstError === undefined, target, { ...ctx, status });
    throw await explainTlsFailure(failure, config, target, timeoutMs);
  }
  client.removeListener('error', remember);
  client.removeListener('node error', remember);
  // Keep a listener for the life of the client (see above); callers see command errors.
  client.on('error', () => undefined);
  client.on('node error', () => undefined);
  return client;
}

/**
 * Classifies a failed connect. A server that hangs up or stays silent without any error
 * is, more often than not, the other side of a TLS mismatch: say so.
 */
function connectFailure(err: unknown, silent: boolean, target: RedisTarget, ctx: RedisErrorContext): SourceError {
  const classified = classifyRedisError(err, ctx);
  if (!silent || (classified.kind !== 'unreachable' && classified.kind !== 'timeout')) return classified;
  const mismatch = target.tls
    ? 'if the server does not use in-transit encryption, use redis:// instead of rediss://'
    : 'if the server requires TLS (in-transit encryption), use rediss://';
  return new SourceError({
    source: 'redis',
    kind: classified.kind,
    message: classified.kind === 'timeout' ? classified.message : `Redis ${target.display}: the server closed the connection during the handshake`,
    hint: `${mismatch}; otherwise check the host, port and network path`,
    cause: err,
  });
}

/**
 * Makes a TLS failure say what is wrong. "Certificate not trusted" becomes "issued by CN=X,
 * which is not in redis.tls.ca"; a connection reset right after the handshake (how a
 * server requiring client certificates often looks, the alert lost to the reset) becomes
 * "requires a client certificate". The server is asked once more, without verification and
 * without sending a byte (never AUTH), only to read its chain and any alert. Bounded; on
 * any trouble the original error stands.
 */
async function explainTlsFailure(err: SourceError, config: Config, target: RedisTarget, timeoutMs: number): Promise<SourceError> {
  const node = target.nodes[0];
  if (!target.tls || !node) return err;
  const untrusted = err.kind === 'tls' ? untrustedCertificateCode(err.cause) : undefined;
  const reset = err.kind === 'unreachable' && !config.redis.tls?.cert;
  if (!untrusted && !reset) return err;
  const probe = await probeTlsServer(node.host, node.port, {
    timeoutMs: Math.min(timeoutMs, 1500),
    // Only a refusal comes after the handshake; the chain is known at once.
    listenMs: reset ? 500 : 0,
    ...(config.redis.tls?.servername ? { servername: config.redis.tls.servername } : {}),
  });
  if (reset) return probe.alert ? classifyRedisError(Object.assign(new Error('TLS alert'), { code: probe.alert }), { target: target.display }) : err;
  if (!probe.peer) return err;
  const trusted = config.redis.tls?.ca ? `the CA bundle in redis.tls.ca (${config.redis.tls.ca})` : "this machine's default CAs (redis.tls.ca is not set)";
  const issuer = probe.peer.selfSigned ? `is self-signed (${probe.peer.subject})` : `(${probe.peer.subject}) is issued by ${probe.peer.root}`;
  return new SourceError({
    source: 'redis',
    kind: 'tls',
    message: `Redis ${target.display}: TLS certificate not trusted: the server's certificate ${issuer}, which is not in ${trusted} (${untrusted})`,
    hint: err.hint,
    cause: err.cause,
  });
}

/**
 * ioredis may report `ready` before the AUTH reply has arrived. PING is answered after
 * AUTH, so its outcome settles it: PONG or NOPERM (authenticated, just not allowed to
 * PING) pass; NOAUTH, WRONGPASS or a closed connection fail.
 */
async function provenAuthenticated(client: Redis, seen: () => unknown): Promise<void> {
  try {
    await client.ping();
  } catch (err) {
    if (replyCode(err) !== 'NOPERM') throw err;
  }
  const early = seen();
  if (isAuthFailure(early)) throw early;
}

function clusterOptions(node: RedisOptions, target: RedisTarget, timeoutMs: number): ClusterOptions {
  const { db: _db, ...redisOptions } = node;
  return {
    redisOptions,
    scaleReads: 'master',
    enableOfflineQueue: false,
    // The ready check runs CLUSTER INFO, which a read-only ACL user may lack, and its
    // failure is never emitted (the connect would just time out). Without it a cluster in
    // state fail answers CLUSTERDOWN, which classifies as unavailable. CLUSTER SLOTS stays
    // required: ioredis cannot route without it (a NOPERM there is reported as such).
    enableReadyCheck: false,
    lazyConnect: true,
    slotsRefreshTimeout: timeoutMs,
    clusterRetryStrategy: retryStrategy,
    // With in-transit encryption the certificate names the node's hostname, so keep
    // hostnames instead of resolving them to IPs (as AWS documents for ElastiCache).
    ...(target.tls ? { dnsLookup: (address: string, callback: (err: NodeJS.ErrnoException | null, address: string) => void) => callback(null, address) } : {}),
  };
}

/**
 * The clients whose keyspaces together hold every key: the client itself, or each master
 * of a cluster. Scanners SCAN each one. The cluster must be connected (see `connect()`).
 */
export function mastersOf(client: RedisClient): Redis[] {
  if (client instanceof Cluster) {
    if (client.status !== 'ready') {
      throw new SourceError({
        source: 'redis',
        kind: 'unavailable',
        message: `Redis cluster is not ready (status ${client.status})`,
        hint: 'connect with createRedis(...).connect() before listing masters',
      });
    }
    return client.nodes('master');
  }
  return [client];
}

/**
 * A second connection to the same standalone server, with the client's options: a reader
 * beside a writer, so reads are not queued behind a pipeline of writes. Null for a cluster
 * (each master already has its own connection). Errors reach the commands that fail, so the
 * connection's own error events are not reported twice.
 */
export async function duplicateStandalone(client: RedisClient): Promise<Redis | null> {
  if (client instanceof Cluster) return null;
  // Connected before use: the client may not queue commands while it connects.
  const copy = client.duplicate({ lazyConnect: true });
  copy.on('error', () => undefined);
  try {
    await copy.connect();
  } catch (err) {
    copy.disconnect();
    throw err;
  }
  return copy;
}

/** Closes politely (QUIT) when connected, drops the socket otherwise; resolves once ended, never waiting long. */
export async function closeRedis(client: RedisClient, timeoutMs = 1000): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') {
    try {
      await withTimeout(client.quit().then(() => ended), timeoutMs, 'redis', { what: 'QUIT' });
      return;
    } catch {
      // A QUIT that fails or hangs changes nothing: drop the socket below.
    }
  }
  client.disconnect();
  // disconnect() may end synchronously; TypeScript cannot see that status changed.
  if ((client.status as string) !== 'end') await withTimeout(ended, timeoutMs, 'redis').catch(() => undefined);
}

/** The key layout (src/core/keys.ts) the configuration describes. */
export function layoutFromConfig(config: Config): KeyLayout {
  return { prefix: config.redis.keyPrefix, hashTags: config.redis.hashTags };
}

/**
 * Whether MULTI/EXEC and Lua over one session's keys can run: always on one server; on a
 * cluster only with hash tags, since otherwise the keys hash to different slots (CROSSSLOT).
 */
export function isAtomicLayout(config: Config): boolean {
  const cluster = (config.redis.cluster?.length ?? 0) > 0;
  return !cluster || config.redis.hashTags;
}
