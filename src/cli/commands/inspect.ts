import type { Command } from 'commander';
import type { Runner } from '../program.js';

/** `inspect session <id>`: one session across every store. Never writes. */
export function registerInspect(program: Command, run: Runner): void {
  const inspect = program.command('inspect').description('look at one thing across every store, read-only');
  inspect
    .command('session <id>')
    .description('Redis keys with TTLs, the DynamoDB item with its exact size and headroom, the S3 overflow, the log events, which copy is authoritative (exit 0 healthy, 3 problem, 4 inconclusive)')
    .option('--since <dur>', 'how far back to read the session\'s log events', '30m')
    .action(async (id: string, opts: { since?: string }, cmd: Command) => {
      await run(cmd, 'inspect session', async (ctx) => (await import('./fix-run.js')).runInspectCommand(ctx, id, opts));
    });
}
