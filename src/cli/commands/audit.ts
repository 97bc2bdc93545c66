import type { Command } from 'commander';
import type { Runner } from '../program.js';

/** `audit list [--since 24h]`: the changes fix and undo made. */
export function registerAudit(program: Command, run: Runner): void {
  const audit = program.command('audit').description('the audit log of fix and undo (JSON lines, mode 0600)');
  audit
    .command('list')
    .description('list the recorded changes, oldest first')
    .option('--since <dur>', 'only changes this recent, e.g. 24h, 7d', '24h')
    .option('--session <id>', 'only this session\'s changes')
    .action(async (opts: { since?: string; session?: string }, cmd: Command) => {
      await run(cmd, 'audit list', async (ctx) => (await import('./fix-run.js')).runAuditListCommand(ctx, opts));
    });
}
