/**
 * Typed errors of the runbooks module. Callers classify by `code`, never by message text.
 *
 * - `INVALID_RUNBOOK`: a file in `runbooks/` breaks the schema or the graph rules; `file`
 *   names it and `issues` lists each problem as `<field path>: <what is wrong>`.
 * - `UNKNOWN_NODE`: a node id that the runbook does not have (e.g. a highlight path).
 * - `INVALID_RESUME`: a walk was resumed with an outcome that none of the question's
 *   choices accepts, or from a walk that did not stop on a question.
 */
export type RunbookErrorCode = 'INVALID_RUNBOOK' | 'UNKNOWN_NODE' | 'INVALID_RESUME';

export class RunbookError extends Error {
  readonly code: RunbookErrorCode;
  /** The file at fault, for INVALID_RUNBOOK. */
  readonly file: string | undefined;
  readonly issues: readonly string[];
  constructor(code: RunbookErrorCode, message: string, opts: { file?: string; issues?: readonly string[] } = {}) {
    const issues = opts.issues ?? [];
    super(issues.length ? `${message}\n  - ${issues.join('\n  - ')}` : message);
    this.name = 'RunbookError';
    this.code = code;
    this.file = opts.file;
    this.issues = issues;
  }
}
