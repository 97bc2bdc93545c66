import { SOURCE_LABEL, SourceError, oneLine, type SourceErrorKind, type SourceName } from './errors.js';

/**
 * Classifies an AWS SDK v3 failure by what the SDK guarantees: the exception `name`,
 * `$fault` and `$metadata.httpStatusCode`, or a Node network `code`. Message text is only
 * carried along (one line) for the engineer to read, never inspected.
 */

/** Credentials that are missing, expired or unknown to AWS: a login fixes these. */
const CREDENTIAL_NAMES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AuthFailure',
]);

/** Valid credentials whose policy does not allow the call: a policy change fixes these. */
const DENIED_NAMES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Forbidden']);

const THROTTLED_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  // CloudWatch Logs: too many concurrent Insights queries in the account.
  'LimitExceededException',
]);

const NOT_FOUND_NAMES = new Set([
  'ResourceNotFoundException',
  'ReplicationGroupNotFoundFault',
  'CacheClusterNotFoundFault',
  'NoSuchBucket',
  'NoSuchKey',
  'NotFound',
  'TableNotFoundException',
]);

const INVALID_NAMES = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
  'InvalidParameterException',
  'MissingParameter',
  'MalformedQueryException',
  'SerializationException',
  'InvalidRequest',
]);

const UNAVAILABLE_NAMES = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServiceError',
  'InternalServerException',
  'ServiceException',
]);

/** Node socket error codes. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

/** Certificate and handshake failures (OpenSSL verify codes and Node's own). */
export const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** What the engineer was doing, for hints that name the right profile or resource. */
export interface AwsErrorContext {
  /** The AWS profile in use, so the hint can say `aws sso login --profile <it>`. */
  profile?: string;
  /** The operation or resource, e.g. `DescribeAlarms` or `table manga_sessions`. */
  what?: string;
}

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function kindOf(name: string | undefined, code: string | undefined, status: number | undefined, fault: string | undefined): SourceErrorKind {
  // A socket-level code is the most specific fact we have: the request never got an answer.
  if (code && TLS_CODES.has(code)) return 'tls';
  if (code && TIMEOUT_CODES.has(code)) return 'timeout';
  if (code && UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (name) {
    if (CREDENTIAL_NAMES.has(name) || DENIED_NAMES.has(name)) return 'access_denied';
    if (THROTTLED_NAMES.has(name)) return 'throttled';
    if (NOT_FOUND_NAMES.has(name)) return 'not_found';
    if (name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout' || name === 'RequestTimeoutException') return 'timeout';
    if (INVALID_NAMES.has(name)) return 'invalid_request';
    if (UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  }
  if (status !== undefined) {
    if (status === 429) return 'throttled';
    if (status === 401 || status === 403) return 'access_denied';
    if (status === 404) return 'not_found';
    if (status >= 500) return 'unavailable';
    if (status >= 400) return 'invalid_request';
  }
  if (fault === 'server') return 'unavailable';
  return 'unknown';
}

function hintFor(source: SourceName, kind: SourceErrorKind, name: string | undefined, ctx: AwsErrorContext): string {
  const label = SOURCE_LABEL[source];
  switch (kind) {
    case 'access_denied':
      if (name && CREDENTIAL_NAMES.has(name)) {
        return ctx.profile
          ? `the AWS credentials are missing or expired: run \`aws sso login --profile ${ctx.profile}\` (or refresh the profile's keys) and retry`
          : 'the AWS credentials are missing or expired: log in (e.g. `aws sso login --profile <profile>`) and pass --profile, or export fresh credentials, then retry';
      }
      return `the credentials are valid but not allowed to call ${label}: attach the policy printed by \`manga-oncall iam-policy --read-only\` to the role or user`;
    case 'throttled':
      return `${label} is throttling this account: wait a minute and retry, or narrow --since`;
    case 'not_found':
      return `check the ${label} resource name in the config (names.*), the --region and the account of --profile`;
    case 'timeout':
      return `${label} did not answer in time: check the network path to the endpoint, or raise --timeout`;
    case 'unreachable':
      return `cannot reach the ${label} endpoint: check aws.endpoints.${source} / AWS_ENDPOINT_URL_*, --region and the network path`;
    case 'tls':
      return `the TLS handshake with ${label} failed: check the endpoint URL and the CA bundle (AWS_CA_BUNDLE)`;
    case 'invalid_request':
      return `${label} rejected the request: check the config values it was built from; if they are right, report this as a bug`;
    case 'unavailable':
      return `${label} is failing on its side: check the AWS Health Dashboard and retry shortly`;
    default:
      return 'rerun with --verbose to see the underlying error';
  }
}

/**
 * Turns any failure of an AWS call into a {@link SourceError}. A SourceError passes
 * through unchanged, so wrapping twice is harmless.
 */
export function classifyAwsError(source: SourceName, err: unknown, ctx: AwsErrorContext = {}): SourceError {
  if (err instanceof SourceError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsLikeError;
  const name = str(e.name);
  const code = str(e.code);
  const rawStatus = e.$metadata?.httpStatusCode;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const fault = str(e.$fault);
  const kind = kindOf(name, code, status, fault);
  const why = [name ?? code ?? 'error', status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const detail = str(e.message) ?? (typeof err === 'string' ? err : '');
  const what = ctx.what ? ` ${ctx.what}` : '';
  return new SourceError({
    source,
    kind,
    message: oneLine(`${SOURCE_LABEL[source]}${what}: ${kind.replace('_', ' ')} (${why})${detail ? `: ${detail}` : ''}`),
    hint: hintFor(source, kind, name, ctx),
    cause: err,
  });
}
