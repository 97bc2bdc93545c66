import type { Command } from 'commander';
import type { Runner } from '../program.js';

/**
 * `doctor`: every configured source checked for reachability and permission with one
 * cheap read each, concurrently, one line each with the fix for a failure. Never writes.
 * Exit 0 all good, 4 a source is unavailable, 2 credentials or configuration must change.
 * Registration only: src/doctor/ loads inside the action.
 */
export function registerDoctor(program: Command, run: Runner): void {
  program
    .command('doctor')
    .description('check each configured source (Redis and each cluster master, CloudWatch Logs, CloudWatch, ElastiCache, DynamoDB tables, S3 bucket, STS identity): reachable? allowed? Never writes')
    .action(async (_opts: Record<string, never>, cmd: Command) => {
      await run(cmd, 'doctor', async (ctx) => (await import('./doctor-run.js')).runDoctorCommand(ctx));
    });
}
