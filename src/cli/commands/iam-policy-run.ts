import { buildPolicy, requiredGrants, type BuiltPolicy, type PolicyMode } from '../../iam/policy.js';
import type { CliContext, CommandResult } from '../context.js';
import { EXIT, ExitError } from '../exit-codes.js';
import type { IamPolicyOptions } from './iam-policy.js';

/** Builds the requested policies from the configuration; never contacts AWS. */
export async function runIamPolicy(ctx: CliContext, opts: IamPolicyOptions): Promise<CommandResult> {
  if (opts.readOnly && opts.write) {
    throw new ExitError(EXIT.USAGE, 'USAGE', '--read-only and --write are exclusive', 'omit both to print both policies');
  }
  if (opts.account !== undefined && !/^\d{12}$/.test(opts.account)) {
    throw new ExitError(EXIT.USAGE, 'USAGE', `--account ${JSON.stringify(opts.account)} is not a 12-digit AWS account id`);
  }
  const config = ctx.config().config;
  const modes: PolicyMode[] = opts.readOnly ? ['read-only'] : opts.write ? ['write'] : ['read-only', 'write'];
  const policies = modes.map((mode) => buildPolicy(config, mode, opts.account ? { account: opts.account } : {}));
  for (const p of policies) for (const note of p.notes) ctx.io.err(`note (${p.mode}): ${note}`);
  const json = { policies: policies.map((p) => ({ mode: p.mode, attachTo: p.attachTo, document: p.document, notes: p.notes })) };
  if (opts.explain) return { exitCode: EXIT.OK, json, text: modes.map(explain).join('\n\n') };
  return { exitCode: EXIT.OK, json, text: policies.length === 1 ? documentText(policies[0]!) : policies.map(labelled).join('\n\n') };
}

function documentText(p: BuiltPolicy): string {
  return JSON.stringify(p.document, null, 2);
}

function labelled(p: BuiltPolicy): string {
  return `# ${p.mode} policy: attach to ${p.attachTo}\n${documentText(p)}`;
}

/** Each permission of a mode with the call sites that need it. */
function explain(mode: PolicyMode): string {
  const byAction = new Map<string, Set<string>>();
  for (const { action, site } of requiredGrants(mode)) {
    const line = `${site.file} ${site.command} (${site.usedBy.join(', ')}): ${site.why}`;
    byAction.set(action, (byAction.get(action) ?? new Set()).add(line));
  }
  const lines = [`# ${mode}`];
  for (const [action, sites] of [...byAction].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(action);
    for (const s of sites) lines.push(`  <- ${s}`);
  }
  return lines.join('\n');
}
