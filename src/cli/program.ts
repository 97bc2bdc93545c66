import { Command, Option } from 'commander';
import { createContext, preloadConfig, type CliContext, type CommandResult, type GlobalOptions } from './context.js';
import { createIo, wantColor } from './io.js';
import { runCommand } from './run-command.js';
import type { ExitCode } from './exit-codes.js';
import { registerAll } from './commands/index.js';
import { securityWarnings } from './security-warnings.js';

/** Runs a command's handler with the context built from its global flags. */
export type Runner = (
  cmd: Command,
  name: string,
  handler: (ctx: CliContext) => Promise<CommandResult>,
) => Promise<void>;

export interface ProgramHooks {
  /** Receives the exit code of the command that ran. */
  onExit(code: ExitCode): void;
  env?: NodeJS.ProcessEnv;
}

export function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<GlobalOptions>;
  return {
    config: o.config,
    json: Boolean(o.json),
    yes: Boolean(o.yes),
    dryRun: Boolean(o.dryRun),
    color: o.color !== false,
    timeout: o.timeout,
    verbose: Boolean(o.verbose),
    redisUrl: o.redisUrl,
    redisCluster: o.redisCluster,
    profile: o.profile,
    region: o.region,
    writeRoleArn: o.writeRoleArn,
    insecureSkipVerify: Boolean(o.insecureSkipVerify),
    showContent: Boolean(o.showContent),
  };
}

export function buildProgram(version: string, hooks: ProgramHooks): Command {
  const env = hooks.env ?? process.env;
  const program = new Command('manga-oncall')
    .description('On-call incident response for MangaAssist: diagnose the five runbooks, repair sessions safely, practise in a local lab.')
    .version(version, '-V, --version')
    .option('--config <file>', 'configuration file (JSON); also MANGA_ONCALL_CONFIG')
    .option('--json', 'print exactly one JSON document on stdout', false)
    .option('-y, --yes', 'approve writes without the interactive confirmation', false)
    .option('--dry-run', 'show the plan as a data diff and change nothing', false)
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('--timeout <dur>', 'per-source timeout, e.g. 5s or 800ms (default 5s)')
    .option('--verbose', 'log what is done to stderr', false)
    .option('--redis-url <url>', 'redis:// or rediss:// URL; also MANGA_ONCALL_REDIS_URL')
    .option('--redis-cluster <nodes>', 'cluster seed nodes, host:port,...')
    .option('--profile <name>', 'AWS profile (shared config and credentials files)')
    .option('--region <region>', 'AWS region')
    .option('--write-role-arn <arn>', 'IAM role that fix and undo assume for their writes (also aws.writeRoleArn)')
    .option('--insecure-skip-verify', 'do NOT verify the Redis TLS certificate (lab only; warned on every use)', false)
    .addOption(new Option('--show-content', 'reveal user message content on the terminal').default(false))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run: Runner = async (cmd, name, handler) => {
    const globals = globalsOf(cmd);
    const io = createIo({ json: globals.json, color: wantColor(globals.color, env, process.stdout), verbose: globals.verbose });
    await preloadConfig();
    const ctx = createContext(globals, io, env);
    for (const warning of securityWarnings(globals)) io.err(warning);
    hooks.onExit(await runCommand(ctx, name, () => handler(ctx)));
  };
  registerAll(program, run);
  return program;
}
