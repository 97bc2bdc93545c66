import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { renderJson } from './run-command.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Waits for stdout to drain so a piped JSON document is never cut by process.exit. */
function flushStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableLength === 0) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

/** The entry point: the one place in the program that exits. */
export async function main(argv: string[]): Promise<never> {
  let code: ExitCode = EXIT.OK;
  const program = buildProgram(packageVersion(), { onExit: (c) => (code = c) });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      if (benign || err.exitCode === 0) code = EXIT.OK;
      else {
        code = EXIT.USAGE;
        // Automation asked for JSON: give it a document even for a bad flag.
        if (argv.includes('--json')) {
          process.stdout.write(renderJson(argv.slice(2).filter((a) => !a.startsWith('-')).join(' ') || 'manga-oncall', { error: { code: 'USAGE', message: err.message.replace(/^error: /, '') } }) + '\n');
        }
      }
    } else {
      process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      code = EXIT.INTERNAL;
    }
  }
  await flushStdout();
  process.exit(code);
}
