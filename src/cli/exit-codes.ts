/** Exit codes of the contract (section 3). Only src/cli/ may call process.exit. */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  PROBLEM_FOUND: 3,
  INCONCLUSIVE: 4,
  REFUSED: 5,
  VERIFY_FAILED: 6,
  /** Interrupted by SIGINT (128 + 2, the shell's convention), after cleaning up (`lab demo`). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown anywhere under src/cli to end the command with a given code and message. */
export class ExitError extends Error {
  readonly exitCode: ExitCode;
  readonly errorCode: string;
  readonly hint: string | undefined;
  constructor(exitCode: ExitCode, errorCode: string, message: string, hint?: string) {
    super(message);
    this.name = 'ExitError';
    this.exitCode = exitCode;
    this.errorCode = errorCode;
    this.hint = hint;
  }
}
