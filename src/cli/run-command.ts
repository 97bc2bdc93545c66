import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliContext, CommandResult } from './context.js';

export const SCHEMA_VERSION = 1;

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
    const { classifyFailure } = await import('./failure.js');
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
