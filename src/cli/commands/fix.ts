import type { Command } from 'commander';
import type { Runner } from '../program.js';

/**
 * `fix session <id> [--action <name>]` and `fix fleet (--scenario <n> | --action <name>)`.
 * Registration imports nothing heavy: the actions, the stores and the prompts load in the
 * action (fix-run.ts). Global flags that matter here: --yes, --dry-run, --json, --show-content.
 */
const ACTIONS = 'restore-backup, partial-recover, clean-slate, clear-routing, pin-agent, compact, overflow, release-lock, flag-review';

export function registerFix(program: Command, run: Runner): void {
  const fix = program
    .command('fix')
    .description('repair sessions safely: planned as a data diff, confirmed, pre-image kept, verified, audited, undoable (exit 0 applied, 5 refused, 6 not verified)');

  fix
    .command('session <id>')
    .description('repair one session; without --action, inspect it and propose the fitting action(s)')
    .option('--action <name>', `the remediation: ${ACTIONS}`)
    .option('--agent <name>', 'pin-agent: the agent to pin (default: the fallback chosen from the routes)')
    .option('--force', 'release-lock: release a lock whose holder is still live')
    .option('--since <dur>', 'without --action: how far back to read the session\'s log events', '30m')
    .action(async (id: string, opts: { action?: string; agent?: string; force?: boolean; since?: string }, cmd: Command) => {
      await run(cmd, 'fix session', async (ctx) => (await import('./fix-run.js')).runFixSessionCommand(ctx, id, opts));
    });

  fix
    .command('fleet')
    .description('repair every affected session: counts per planned action, one confirmation, bounded concurrency, resumable')
    .option('--scenario <n>', 'the sessions a scenario (1..5) affects, each with the action that fits')
    .option('--action <name>', `only this remediation: ${ACTIONS}`)
    .option('--limit <n>', 'repair at most this many sessions')
    .option('--concurrency <n>', 'sessions (DynamoDB/S3) or pipelines (Redis) in flight', '16')
    .option('--rate <n>', 'at most this many sessions per second')
    .option('--since <dur>', 'scenario 3: how far back to look for failed tool calls', '24h')
    .action(async (opts: { scenario?: string; action?: string; limit?: string; concurrency?: string; rate?: string; since?: string }, cmd: Command) => {
      await run(cmd, 'fix fleet', async (ctx) => (await import('./fix-run.js')).runFixFleetCommand(ctx, opts));
    });
}
