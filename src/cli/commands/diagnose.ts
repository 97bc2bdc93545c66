import type { Command } from 'commander';
import type { Runner } from '../program.js';

/**
 * `diagnose [--scenario 1..5] [--session <id>] [--since 30m] [--report out.md]`.
 * Registration imports nothing heavy: the engine, the SDKs and the prompts load in the action.
 */
export function registerDiagnose(program: Command, run: Runner): void {
  program
    .command('diagnose')
    .description('walk the runbooks against every source at once: evidence, root cause, the fix to run (exit 0 healthy, 3 incident, 4 inconclusive)')
    .option('--scenario <n>', 'walk only this scenario\'s runbook (1..5), whatever the signals say')
    .option('--session <id>', 'one conversation across every store: Redis, DynamoDB, S3, its logs; which copy is authoritative')
    .option('--since <dur>', 'how far back to look, e.g. 30m, 2h', '30m')
    .option('--report <file>', 'also write a Markdown incident report (flowcharts, evidence, timeline, commands)')
    .action(async (opts: { scenario?: string; session?: string; since?: string; report?: string }, cmd: Command) => {
      await run(cmd, 'diagnose', async (ctx) => {
        const { runDiagnoseCommand } = await import('./diagnose-run.js');
        return runDiagnoseCommand(ctx, opts);
      });
    });
}
