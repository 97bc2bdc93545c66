import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The one thing the config loader needs from the AWS shared config file: a profile's
 * region, so `--profile tokyo` alone runs in the profile's region as the AWS CLI would.
 * Credentials are never read here: the SDK's own providers (`fromNodeProviderChain`) do
 * that, with SSO, `credential_process` and role profiles. Loading stays synchronous (the
 * loader is), hence this small reader instead of the SDK's async one.
 */

/** `AWS_CONFIG_FILE`, else `~/.aws/config`, as the AWS CLI and SDKs look for it. */
export function awsConfigFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config');
}

/**
 * The `region` of a profile in the shared config file (`[default]` or `[profile <name>]`),
 * or undefined when the file, the profile or the setting is absent. Never throws: a broken
 * file is the SDK's to report when it loads credentials from it.
 */
export function profileRegion(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let text: string;
  try {
    text = readFileSync(awsConfigFilePath(env), 'utf8');
  } catch {
    return undefined;
  }
  const name = profile ?? 'default';
  // The config file writes `[profile x]`; `[default]` and `[x]` are accepted for default as the CLI does.
  const wanted = name === 'default' ? ['default', 'profile default'] : [`profile ${name}`];
  let inProfile = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (section) {
      inProfile = wanted.includes(section[1]!.replace(/\s+/g, ' '));
      continue;
    }
    // An indented line continues a nested setting (e.g. `s3 =` sub-keys), not a region.
    if (!inProfile || raw !== line) continue;
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && kv[1]!.toLowerCase() === 'region' && kv[2] !== '') return kv[2];
  }
  return undefined;
}
