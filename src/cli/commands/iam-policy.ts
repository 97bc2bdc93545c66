import type { Command } from 'commander';
import type { Runner } from '../program.js';

/**
 * `iam-policy [--read-only | --write]`: the least-privilege IAM policies for exactly the AWS
 * calls each mode makes (src/iam/calls.ts), scoped to the configured resources. With one
 * mode, text output is the bare policy document, ready for
 * `aws iam put-role-policy --policy-document file://...`. Registration only.
 */
export function registerIamPolicy(program: Command, run: Runner): void {
  program
    .command('iam-policy')
    .description('print least-privilege IAM policies: --read-only (diagnose, scan, inspect, doctor) and --write (the role fix and undo assume)')
    .option('--read-only', 'only the everyday, read-only policy')
    .option('--write', 'only the policy of the write role')
    .option('--account <id>', 'AWS account id for the ARNs (default: the write role\'s account, else any)')
    .option('--explain', 'list each permission with the code that needs it, instead of the documents')
    .action(async (opts: IamPolicyOptions, cmd: Command) => {
      await run(cmd, 'iam-policy', async (ctx) => (await import('./iam-policy-run.js')).runIamPolicy(ctx, opts));
    });
}

export interface IamPolicyOptions {
  readOnly?: boolean;
  write?: boolean;
  account?: string;
  explain?: boolean;
}
