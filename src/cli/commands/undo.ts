import type { Command } from 'commander';
import type { Runner } from '../program.js';

/** `undo <audit-id> [--force]`: put back what an applied fix replaced. */
export function registerUndo(program: Command, run: Runner): void {
  program
    .command('undo <audit-id>')
    .description('restore the pre-image of an applied fix (byte for byte, with TTLs); refused when the session changed since, unless --force')
    .option('--force', 'undo even though the session changed since the fix (what it replaces is kept first)')
    .action(async (id: string, opts: { force?: boolean }, cmd: Command) => {
      await run(cmd, 'undo', async (ctx) => (await import('./fix-run.js')).runUndoCommand(ctx, id, opts));
    });
}
