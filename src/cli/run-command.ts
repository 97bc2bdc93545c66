import { ConfigError } from '../config/errors.js';
import { CoreError } from '../core/errors.js';
import { classifyRedisError } from '../sources/redis-errors.js';
import { EXIT, ExitError, type ExitCode } from './exit-codes.js';
import type { CliContext, CommandResult } from './context.js';

export const SCHEMA_VERSION = 1;

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

export function renderJson(command: string, body: Record<string, unknown>): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, command, ...body }, null, 2);
}

/**
 * Runs one command: prints its result (JSON or text) and returns the exit code. The entry
 * point is the only caller that turns the code into process.exit.
 */
export async function runCommand(
  ctx: CliContext,
  command: string,
  handler: () => Promise<CommandResult>,
): Promise<ExitCode> {
  try {
    const result = await handler();
    if (ctx.globals.json) ctx.io.out(renderJson(command, result.json));
    else if (result.text !== undefined && result.text !== '') ctx.io.out(result.text);
    return result.exitCode;
  } catch (err) {
    const f = classifyFailure(err);
    if (ctx.globals.json) {
      ctx.io.out(renderJson(command, { error: { code: f.code, message: f.message, ...(f.hint ? { hint: f.hint } : {}) } }));
    } else {
      ctx.io.err(`error: ${f.message}`);
      if (f.hint) ctx.io.err(`hint: ${f.hint}`);
    }
    if (f.exitCode === EXIT.INTERNAL && err instanceof Error && err.stack) ctx.io.verbose(err.stack);
    return f.exitCode;
  }
}
