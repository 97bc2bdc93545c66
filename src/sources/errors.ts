/**
 * The one error type every adapter in src/sources throws. It carries what the CLI needs
 * (`exitCode`, `errorCode`, `hint`: src/cli/run-command.ts maps any error with those) and
 * what a probe needs to decide (`source`, `kind`), so nobody downstream reads message text.
 */

/** The outside systems manga-oncall talks to. */
export type SourceName = 'redis' | 'logs' | 'cloudwatch' | 'elasticache' | 'dynamodb' | 's3' | 'sts';

/** What went wrong, independent of which system it was. */
export type SourceErrorKind =
  | 'timeout'
  | 'unreachable'
  | 'access_denied'
  | 'throttled'
  | 'not_found'
  | 'auth_failed'
  | 'tls'
  | 'invalid_request'
  | 'unavailable'
  | 'unknown';

/*
 * Exit codes of the contract (section 3), repeated here as numbers so that library code
 * does not import the CLI layer. 2: the engineer must fix credentials or configuration
 * before a rerun can help. 4: the source could not answer, so a verdict is inconclusive.
 */
const EXIT_CONFIG = 2;
const EXIT_INCONCLUSIVE = 4;

/** The exit code a kind maps to when the error reaches the CLI uncaught. */
export const EXIT_CODE_BY_KIND: Readonly<Record<SourceErrorKind, number>> = {
  // Wrong password, missing policy, missing CA, malformed endpoint, wrong table name:
  // rerunning will not help until the configuration or the credentials change.
  auth_failed: EXIT_CONFIG,
  access_denied: EXIT_CONFIG,
  tls: EXIT_CONFIG,
  invalid_request: EXIT_CONFIG,
  not_found: EXIT_CONFIG,
  // The source did not answer: whatever needed it is inconclusive.
  timeout: EXIT_INCONCLUSIVE,
  unreachable: EXIT_INCONCLUSIVE,
  throttled: EXIT_INCONCLUSIVE,
  unavailable: EXIT_INCONCLUSIVE,
  unknown: EXIT_INCONCLUSIVE,
};

export interface SourceErrorInit {
  source: SourceName;
  kind: SourceErrorKind;
  /** One line, no secrets. */
  message: string;
  /** What the engineer should do next. */
  hint: string;
  cause?: unknown;
  /** Overrides the exit code implied by `kind` (rarely needed). */
  exitCode?: number;
}

/** A failure of one outside system, classified. Never built from parsed message text. */
export class SourceError extends Error {
  readonly source: SourceName;
  readonly kind: SourceErrorKind;
  readonly hint: string;
  /** The contract's exit code for this failure (2 or 4). */
  readonly exitCode: number;
  /** Stable machine-readable code, e.g. `REDIS_AUTH_FAILED`, `DYNAMODB_NOT_FOUND`. */
  readonly errorCode: string;

  constructor(init: SourceErrorInit) {
    super(oneLine(init.message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SourceError';
    this.source = init.source;
    this.kind = init.kind;
    this.hint = init.hint;
    this.exitCode = init.exitCode ?? EXIT_CODE_BY_KIND[init.kind];
    this.errorCode = `${init.source.toUpperCase()}_${init.kind.toUpperCase()}`;
  }

  /** A plain object for JSON output (`sources[].error`): no cause, no stack. */
  toJSON(): { source: SourceName; kind: SourceErrorKind; code: string; message: string; hint: string } {
    return { source: this.source, kind: this.kind, code: this.errorCode, message: this.message, hint: this.hint };
  }
}

export function isSourceError(err: unknown): err is SourceError {
  return err instanceof SourceError;
}

/** Collapses whitespace so a message stays one line in a terminal and in a log. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Human names used in messages and hints. */
export const SOURCE_LABEL: Readonly<Record<SourceName, string>> = {
  redis: 'Redis',
  logs: 'CloudWatch Logs',
  cloudwatch: 'CloudWatch',
  elasticache: 'ElastiCache',
  dynamodb: 'DynamoDB',
  s3: 'S3',
  sts: 'STS',
};
