import { TLS_CODES } from './classify-aws.js';
import { SourceError, oneLine, type SourceErrorKind } from './errors.js';

/**
 * Classifies Redis and ioredis failures. A Redis error reply's first word is its code by
 * protocol (RESP: "-WRONGPASS invalid username-password pair"), so that word is read like
 * an exception name; the rest of the text is never inspected. Socket failures are read by
 * Node's `code`.
 */

/** Where the failure happened, for messages and hints. */
export interface RedisErrorContext {
  /** `host:port` (or a cluster description), never with credentials. */
  target?: string;
  /** Host the TLS certificate had to name. */
  host?: string;
  /** ioredis `client.status` when the error surfaced: a bare Error while not ready is a lost connection. */
  status?: string;
}

const UNAVAILABLE_REPLIES = new Set(['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'BUSY', 'READONLY', 'MISCONF', 'NOREPLICAS']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
const MISSING_CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
/**
 * The server refused our side of a mutual-TLS handshake (`--tls-auth-clients yes`): OpenSSL
 * alerts as Node reports them.
 */
const CLIENT_CERT_REQUIRED = 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';
const CLIENT_CERT_REJECTED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);
/** ioredis' commandTimeout rejection carries no code or name; this constant is all it has. */
const IOREDIS_COMMAND_TIMEOUT = 'Command timed out';
const NOT_CONNECTED = new Set(['wait', 'connecting', 'reconnecting', 'close', 'end']);

interface RedisLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  command?: { name?: unknown };
  lastNodeError?: unknown;
  /** EXECABORT: the errors of the commands that were refused while queued. */
  previousErrors?: unknown[];
  /** Node's ERR_TLS_CERT_ALTNAME_INVALID carries the peer certificate. */
  cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } };
}

/** The names a certificate is valid for, from its SANs (else its CN), as Node reports them. */
function certificateNames(cert: RedisLikeError['cert']): string | undefined {
  if (typeof cert?.subjectaltname === 'string' && cert.subjectaltname !== '') return cert.subjectaltname;
  return typeof cert?.subject?.CN === 'string' ? `CN=${cert.subject.CN}` : undefined;
}

/** The OpenSSL verify code when `err` says the server's certificate chain is not trusted (a CA is missing). */
export function untrustedCertificateCode(err: unknown): string | undefined {
  const code = (err as RedisLikeError | null)?.code;
  return typeof code === 'string' && MISSING_CA_CODES.has(code) ? code : undefined;
}

/** The error code word of a Redis error reply (`WRONGPASS`, `NOPERM`...), if it has one. */
export function replyCode(err: unknown): string | undefined {
  const e = err as RedisLikeError | null;
  if (!e || e.name !== 'ReplyError' || typeof e.message !== 'string') return undefined;
  const m = /^([A-Z][A-Z_]+)(?:\s|$)/.exec(e.message);
  return m?.[1];
}

function make(kind: SourceErrorKind, message: string, hint: string, cause: unknown): SourceError {
  return new SourceError({ source: 'redis', kind, message: oneLine(message), hint, cause });
}

function tlsError(code: string, where: string, host: string, cause: unknown): SourceError {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = certificateNames((cause as RedisLikeError).cert);
    return make('tls', `${where}: TLS certificate does not name ${host}${names ? `; it names ${names}` : ''} (${code})`,
      `the certificate does not name ${host}; set redis.tls.servername or use the name on the certificate`, cause);
  }
  if (MISSING_CA_CODES.has(code)) {
    return make('tls', `${where}: TLS certificate not trusted (${code})`, 'the CA is missing: set redis.tls.ca to the CA bundle', cause);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return make('tls', `${where}: TLS certificate outside its validity period (${code})`,
      "the server's certificate is expired or not yet valid: renew it, or check this machine's clock", cause);
  }
  return make('tls', `${where}: TLS handshake failed (${code})`,
    'the server does not speak TLS on this port as configured: use redis:// for a plain server, rediss:// for in-transit encryption', cause);
}

/**
 * Turns any failure of a Redis connection or command into a {@link SourceError}
 * (source `redis`). A SourceError passes through unchanged.
 */
export function classifyRedisError(err: unknown, ctx: RedisErrorContext = {}): SourceError {
  if (err instanceof SourceError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as RedisLikeError;
  const where = `Redis ${ctx.target ?? ''}`.trim();
  const host = ctx.host ?? ctx.target ?? 'the server';

  // A cluster that could not refresh its slots keeps the node's real failure.
  if (e.name === 'ClusterAllFailedError' && e.lastNodeError) return classifyRedisError(e.lastNodeError, ctx);

  const reply = replyCode(err);
  if (reply === 'WRONGPASS' || reply === 'NOAUTH') {
    const what = reply === 'NOAUTH' ? 'the server requires a password and none was sent' : 'wrong username or password';
    return make('auth_failed', `${where}: authentication failed: ${what} (${reply})`,
      'check redis.username/password (or redis.passwordFile, or the credentials in the URL)', err);
  }
  if (reply === 'NOPERM') {
    const cmd = typeof e.command?.name === 'string' ? e.command.name.toUpperCase() : 'this command';
    return make('access_denied', `${where}: the ACL user may not run ${cmd} (NOPERM)`,
      `the Redis ACL user lacks ${cmd}: a read-only user can diagnose but not fix; use a user with write rights for fix and undo`, err);
  }
  if (reply === 'CROSSSLOT') {
    return make('invalid_request', `${where}: keys of one operation are in different cluster slots (CROSSSLOT)`,
      "set redis.hashTags to true if the application writes session ids as {<id>}; otherwise the session's keys cannot be changed atomically", err);
  }
  if (reply === 'MOVED' || reply === 'ASK') {
    return make('invalid_request', `${where}: the server is a Redis Cluster node (${reply})`,
      'connect in cluster mode: --redis-cluster host:port,... or redis.cluster in the config', err);
  }
  if (reply && UNAVAILABLE_REPLIES.has(reply)) {
    return make('unavailable', `${where}: the server cannot serve this now (${reply})`,
      'Redis is loading, failing over or read-only: wait for the ElastiCache event to finish and retry', err);
  }

  // MULTI/EXEC with a command the ACL user may not run: the refusal is among the queued errors.
  if (reply === 'EXECABORT' && e.previousErrors?.length) {
    const refused = e.previousErrors.find((p) => replyCode(p) === 'NOPERM') ?? e.previousErrors[0];
    return classifyRedisError(refused, ctx);
  }

  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === CLIENT_CERT_REQUIRED) {
    return make('tls', `${where}: the server requires a client certificate and none was sent (${code})`,
      'set redis.tls.cert and redis.tls.key to the client certificate and its key', err);
  }
  if (code && CLIENT_CERT_REJECTED.has(code)) {
    return make('tls', `${where}: the server rejected the TLS handshake or our client certificate (${code})`,
      'check redis.tls.cert and redis.tls.key: the certificate must be issued by a CA the server trusts and be valid now', err);
  }
  if (code && TLS_CODES.has(code)) return tlsError(code, where, host, err);
  if (code && TIMEOUT_CODES.has(code)) {
    return make('timeout', `${where}: no answer in time (${code})`, 'check the host, port, security group and network path, or raise --timeout', err);
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return make('unreachable', `${where}: cannot connect (${code})`,
      'check redis.url / --redis-url (host and port), the security group and that the server is up; if it requires TLS, use rediss://', err);
  }
  if (e.name === 'MaxRetriesPerRequestError' || (e.name === 'Error' && ctx.status !== undefined && NOT_CONNECTED.has(ctx.status))) {
    return make('unreachable', `${where}: connection lost`, 'the server went away or is failing over: retry shortly', err);
  }
  if (e.message === IOREDIS_COMMAND_TIMEOUT) {
    return make('timeout', `${where}: command got no answer in time`, 'the server is overloaded or the network path is broken: retry, or raise --timeout', err);
  }
  const detail = typeof e.message === 'string' ? e.message : String(err);
  return make('unknown', `${where}: ${detail}`, 'rerun with --verbose to see the underlying error', err);
}
