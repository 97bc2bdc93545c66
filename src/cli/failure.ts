/**
 * Any thrown value mapped to an exit code and a one-line message. Loaded only when a command
 * fails, so `--help` and a healthy run never load the error classifiers of every source.
 */
import { ConfigError } from '../config/errors.js';
import { CoreError } from '../core/errors.js';
import { classifyRedisError } from '../sources/redis-errors.js';
import { EXIT, ExitError, type ExitCode } from './exit-codes.js';

const REPORT_HINT = 'this is a bug in manga-oncall: rerun with --verbose and report the output to the on-call tooling channel';

interface Failure {
  exitCode: ExitCode;
  code: string;
  message: string;
  hint?: string;
}

/** Maps any thrown value to an exit code and a one-line message; never parses message text. */
export function classifyFailure(err: unknown): Failure {
  if (err instanceof ExitError) return { exitCode: err.exitCode, code: err.errorCode, message: err.message, hint: err.hint };
  if (err instanceof ConfigError) return { exitCode: EXIT.USAGE, code: 'CONFIG_INVALID', message: err.message };
  if (err instanceof CoreError) {
    const exitCode: ExitCode =
      err.code === 'INVALID_SESSION_ID'
        ? EXIT.USAGE
        : err.code === 'WRITE_CONFLICT' || err.code === 'LOCK_HELD' || err.code === 'PRECONDITION_FAILED'
          ? EXIT.REFUSED
          : EXIT.INTERNAL;
    return { exitCode, code: err.code, message: err.message, hint: err.suggestion };
  }
  const e = err as { name?: string; message?: string; exitCode?: number; errorCode?: string; hint?: string };
  // Errors from src/sources carry an exit code of their own (unreachable, denied...).
  if (e && typeof e.exitCode === 'number' && typeof e.errorCode === 'string') {
    return { exitCode: e.exitCode as ExitCode, code: e.errorCode, message: e.message ?? String(err), hint: e.hint };
  }
  // A Redis error reply that no layer classified (e.g. NOPERM from a read-only ACL user
  // inside a core write): its first word is its code by protocol, so it is classified here.
  if (e && e.name === 'ReplyError') {
    const classified = classifyRedisError(err);
    if (classified.kind !== 'unknown') return classifyFailure(classified);
  }
  return { exitCode: EXIT.INTERNAL, code: 'INTERNAL', message: e?.message ?? String(err), hint: REPORT_HINT };
}
