import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { profileRegion } from './aws-profile.js';
import { ConfigError } from './errors.js';
import { configSchema, type Config } from './schema.js';

// ConfigError lives in errors.ts (no zod) so the CLI entry can catch it without the schema.
export { ConfigError };

/** The global flags that override configuration (contract section 2). */
export interface ConfigFlags {
  config?: string;
  redisUrl?: string;
  redisCluster?: string;
  timeout?: string;
  profile?: string;
  region?: string;
  /** `--write-role-arn`: the role fix and undo assume for their writes. */
  writeRoleArn?: string;
  /** `--insecure-skip-verify`: the only way to turn Redis certificate checks off. */
  insecureSkipVerify?: boolean;
}

/** Where a value came from; `profile` is the region of the selected AWS profile. */
export type Provenance = 'flag' | 'env' | 'file' | 'profile' | 'default';

export interface LoadedConfig {
  config: Config;
  /** Dotted path of each value set by something other than a default, and by what. */
  provenance: Record<string, Provenance>;
  /** The file that was read, if any. */
  file: string | undefined;
}

/** The SDK's standard per-service endpoint variables, mapped to our endpoint names. */
export const ENDPOINT_ENV: Record<string, string> = {
  logs: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  cloudwatch: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  elasticache: 'AWS_ENDPOINT_URL_ELASTICACHE',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3: 'AWS_ENDPOINT_URL_S3',
  sts: 'AWS_ENDPOINT_URL_STS',
};

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'manga-oncall', 'config.json');
}

/** Parses a duration such as 500ms, 5s, 30m, 24h, 7d, or a bare number of seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new ConfigError(`invalid duration ${JSON.stringify(raw)}: use e.g. 500ms, 5s, 30m, 24h, 7d`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(n * factor);
}

type Json = Record<string, unknown>;

function setPath(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Json = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts[parts.length - 1]!] = value;
}

function leafPaths(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return prefix ? [prefix] : [];
  return Object.entries(obj).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

function readFile(path: string, explicit: boolean): Json | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${path} must hold a JSON object`);
    }
    return parsed as Json;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Certificate checks are turned off only by the `--insecure-skip-verify` flag, typed anew
 * for each run: a config file or variable would keep them off long after the lab drill
 * that needed it, silently. So a stored `true` is a configuration error.
 */
function refuseStoredInsecureSkipVerify(raw: Json, provenance: Record<string, Provenance>, file: string): void {
  const tls = (raw.redis as Json | undefined)?.tls as Json | undefined;
  if (tls?.insecureSkipVerify !== true) return;
  throw new ConfigError(`redis.tls.insecureSkipVerify is set in ${provenance['redis.tls.insecureSkipVerify'] === 'file' ? file : 'the configuration'}`, [
    'redis.tls.insecureSkipVerify: certificate checks can only be turned off per run, with the --insecure-skip-verify flag; remove it from the file and set redis.tls.ca to the CA bundle instead',
  ]);
}

/**
 * Builds the effective configuration. Precedence (contract section 2):
 * flag > environment > config file > default.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const explicitPath = flags.config ?? env.MANGA_ONCALL_CONFIG;
  const path = explicitPath ?? defaultConfigPath(env);
  const fromFile = readFile(path, explicitPath !== undefined);
  const raw: Json = fromFile ? structuredClone(fromFile) : {};
  const provenance: Record<string, Provenance> = {};
  for (const p of leafPaths(raw)) provenance[p] = 'file';

  const apply = (path: string, value: unknown, source: Provenance) => {
    if (value === undefined || value === '') return;
    setPath(raw, path, value);
    provenance[path] = source;
  };
  const cluster = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const duration = (s: string | undefined) => (s ? parseDuration(s) : undefined);

  // Environment.
  apply('redis.url', env.MANGA_ONCALL_REDIS_URL, 'env');
  apply('redis.cluster', cluster(env.MANGA_ONCALL_REDIS_CLUSTER), 'env');
  apply('redis.username', env.MANGA_ONCALL_REDIS_USERNAME, 'env');
  apply('redis.password', env.MANGA_ONCALL_REDIS_PASSWORD, 'env');
  apply('redis.passwordFile', env.MANGA_ONCALL_REDIS_PASSWORD_FILE, 'env');
  apply('timeoutMs', duration(env.MANGA_ONCALL_TIMEOUT), 'env');
  apply('auditPath', env.MANGA_ONCALL_AUDIT_PATH, 'env');
  apply('aws.region', env.AWS_REGION ?? env.AWS_DEFAULT_REGION, 'env');
  apply('aws.profile', env.AWS_PROFILE, 'env');
  apply('aws.writeRoleArn', env.MANGA_ONCALL_WRITE_ROLE_ARN, 'env');
  for (const [name, variable] of Object.entries(ENDPOINT_ENV)) {
    apply(`aws.endpoints.${name}`, env[variable] ?? env.AWS_ENDPOINT_URL, 'env');
  }

  // Flags.
  apply('redis.url', flags.redisUrl, 'flag');
  apply('redis.cluster', cluster(flags.redisCluster), 'flag');
  apply('timeoutMs', duration(flags.timeout), 'flag');
  apply('aws.profile', flags.profile, 'flag');
  apply('aws.region', flags.region, 'flag');
  apply('aws.writeRoleArn', flags.writeRoleArn, 'flag');
  refuseStoredInsecureSkipVerify(raw, provenance, path);
  if (flags.insecureSkipVerify === true) apply('redis.tls.insecureSkipVerify', true, 'flag');
  // The AWS CLI takes the region from the profile when no flag or variable names one.
  if (provenance['aws.region'] === undefined) {
    const profile = typeof (raw.aws as Json | undefined)?.profile === 'string' ? ((raw.aws as Json).profile as string) : undefined;
    apply('aws.region', profileRegion(profile, env), 'profile');
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : '(top level)';
      const src = provenance[i.path.join('.')];
      return `${where}: ${i.message}${src && src !== 'file' ? ` (from ${src})` : ''}`;
    });
    throw new ConfigError(`invalid configuration${fromFile ? ` in ${path}` : ''}`, issues);
  }
  return { config: result.data, provenance, file: fromFile ? path : undefined };
}
