/**
 * Typed failures of `lab seed`. Callers classify by `code` (the CLI maps BAD_OPTION to
 * exit 2); failures of the services themselves surface as the SDK's or ioredis' own errors.
 */
export type LabSeedErrorCode = 'BAD_OPTION' | 'EMULATOR_ADMIN';

export class LabSeedError extends Error {
  readonly code: LabSeedErrorCode;
  constructor(code: LabSeedErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LabSeedError';
    this.code = code;
  }
}
