import type { Command } from 'commander';
import type { Runner } from '../program.js';

/**
 * `scan redis` and `scan dynamodb`: how many sessions are hit, fleet-wide. Read-only.
 * Registration only: the implementation (scan-run.ts, src/scan/) loads inside each action,
 * so `--help` loads neither ioredis nor the AWS SDK.
 */
export function registerScan(program: Command, run: Runner): void {
  const scan = program.command('scan').description('classify every session of the fleet (read-only): counts, samples, exit 3 when problems are found');

  scan
    .command('redis')
    .description('every Redis session (all masters of a cluster in parallel): healthy, restorable from backup, partially recoverable, unrecoverable, routing state left over, lock without a live owner')
    .option('--match <prefix>', 'only session ids starting with this prefix (a plain id prefix: no glob characters)')
    .option('--limit <n>', 'stop after judging this many sessions')
    .action(async (opts: { match?: string; limit?: string }, cmd: Command) => {
      await run(cmd, 'scan redis', async (ctx) => (await import('./scan-run.js')).runScanRedis(ctx, opts));
    });

  scan
    .command('dynamodb')
    .description('every item of the sessions table (parallel Scan): exact size, headroom under 400 KB, the sessions over a threshold')
    .option('--segments <n>', 'parallel Scan segments in this process (default 4)')
    .option('--segment <i/N>', 'scan only segment i (0-based) of N, to split the scan across machines')
    .option('--threshold <size>', 'list sessions at or above this size, e.g. 380KB (1 KB = 1024 bytes, as DynamoDB)', '380KB')
    .option('--max-rcu <r>', 'read budget in read capacity units per second, so the scan never starves the live service')
    .option('--top <n>', 'how many of the largest sessions over the threshold to name (default 20)')
    .action(async (opts: { segments?: string; segment?: string; threshold: string; maxRcu?: string; top?: string }, cmd: Command) => {
      await run(cmd, 'scan dynamodb', async (ctx) => (await import('./scan-run.js')).runScanDynamo(ctx, opts));
    });
}
