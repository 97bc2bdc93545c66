/**
 * Typed errors of the recovery core. Callers classify by `code`, never by message text.
 * The CLI maps them to exit codes (src/cli/exit.ts); the core itself never exits.
 */
export type CoreErrorCode =
  | 'INVALID_SESSION_ID'
  | 'WRITE_CONFLICT'
  | 'LOCK_NOT_HELD'
  | 'LOCK_HELD'
  | 'PRECONDITION_FAILED'
  | 'ITEM_TOO_LARGE'
  | 'NOT_FOUND'
  | 'CORRUPT_DATA'
  | 'CROSSSLOT_HAZARD';

export class CoreError extends Error {
  readonly code: CoreErrorCode;
  readonly suggestion: string | undefined;
  constructor(code: CoreErrorCode, message: string, opts: { suggestion?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CoreError';
    this.code = code;
    this.suggestion = opts.suggestion;
  }
}

/** Optimistic update ran out of retries: the caller must decide, nothing was overwritten. */
export class WriteConflictError extends CoreError {
  readonly attempts: number;
  constructor(sessionId: string, attempts: number) {
    super('WRITE_CONFLICT', `session ${sessionId}: state changed under us on all ${attempts} attempts; nothing was written`, {
      suggestion: 'retry later or serialize writers for this session',
    });
    this.name = 'WriteConflictError';
    this.attempts = attempts;
  }
}
