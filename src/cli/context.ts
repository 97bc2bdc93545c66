import type { LoadedConfig } from '../config/load.js';
import type { Io } from './io.js';
import type { ExitCode } from './exit-codes.js';

/**
 * The config loader, imported only when a command runs ({@link preloadConfig}): it pulls in
 * the schema and zod (~200 modules), which `--help` and `--version` must not pay for.
 */
let loadConfig: typeof import('../config/load.js').loadConfig | undefined;

/** Loads the config module; the runner awaits it before any command's handler. */
export async function preloadConfig(): Promise<void> {
  loadConfig ??= (await import('../config/load.js')).loadConfig;
}

/** The global flags of the contract, as commander parsed them. */
export interface GlobalOptions {
  config?: string;
  json: boolean;
  yes: boolean;
  dryRun: boolean;
  color: boolean;
  timeout?: string;
  verbose: boolean;
  redisUrl?: string;
  redisCluster?: string;
  profile?: string;
  region?: string;
  /** `--write-role-arn`: the IAM role fix and undo assume for their writes. */
  writeRoleArn?: string;
  /** `--insecure-skip-verify`: Redis TLS certificates are not checked (loudly warned). */
  insecureSkipVerify: boolean;
  showContent: boolean;
}

export interface CliContext {
  readonly globals: GlobalOptions;
  readonly io: Io;
  /** Loaded on first use, so `--help` and `lab` commands that need none never read it. */
  config(): LoadedConfig;
}

/** What a command hands back: one JSON document and, for people, a text rendering. */
export interface CommandResult {
  exitCode: ExitCode;
  /** The JSON document's body; `schemaVersion` and `command` are added by the runner. */
  json: Record<string, unknown>;
  /** The human rendering for stdout; when absent the runner prints nothing on success. */
  text?: string;
}

export function createContext(globals: GlobalOptions, io: Io, env: NodeJS.ProcessEnv = process.env): CliContext {
  let loaded: LoadedConfig | undefined;
  return {
    globals,
    io,
    config() {
      if (!loadConfig) throw new Error('bug: ctx.config() before preloadConfig() was awaited');
      loaded ??= loadConfig(
        {
          config: globals.config,
          redisUrl: globals.redisUrl,
          redisCluster: globals.redisCluster,
          timeout: globals.timeout,
          profile: globals.profile,
          region: globals.region,
          writeRoleArn: globals.writeRoleArn,
          insecureSkipVerify: globals.insecureSkipVerify,
        },
        env,
      );
      return loaded;
    },
  };
}
