/**
 * Typed failures of the lab's lifecycle (`lab up | status | down | seed | demo`). Callers
 * classify by `code`; the CLI maps each code to an exit code (src/cli/commands/lab-run.ts).
 */
export type LabErrorCode =
  /** No redis-server on PATH and no --redis-url: the package to install is in the message. */
  | 'REDIS_BINARY_MISSING'
  /** A flag or option the lab cannot use (a non-loopback --redis-url, a bad --scenario). */
  | 'BAD_OPTION'
  /** The supervisor exited or did not get every service up before the deadline. */
  | 'START_FAILED'
  /** A command that needs a running lab found none. */
  | 'NOT_RUNNING'
  /** Another `lab up` or `lab down` holds the lab directory's lock. */
  | 'BUSY'
  /** `lab down` stopped what it could, but a process or a port is still there. */
  | 'LEFTOVER'
  /** The demo was interrupted (SIGINT); the lab was taken down. */
  | 'INTERRUPTED';

export class LabError extends Error {
  readonly code: LabErrorCode;
  readonly hint: string | undefined;
  constructor(code: LabErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LabError';
    this.code = code;
    this.hint = opts.hint;
  }
}

/** Exit codes of the supervisor process, read by `lab up` when it dies before being ready. */
export const SUPERVISOR_EXIT = { OK: 0, FAILED: 1, USAGE: 2, REDIS_BINARY_MISSING: 3 } as const;
