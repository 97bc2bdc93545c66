/**
 * The actor of an audit record: the OS user, plus the AWS caller identity where AWS
 * credentials are configured (a profile, an STS endpoint, a write role, or the SDK's
 * environment credentials), plus the write role when one is assumed. Static credentials from
 * the config (the lab's) are recorded as such, never by their key. A failed identity lookup
 * is recorded as an error rather than blocking a fix during an incident.
 */
import { hostname, userInfo } from 'node:os';
import type { Config } from '../../config/schema.js';
import type { Actor } from './record.js';

function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container running as an arbitrary uid).
    return env.USER ?? env.LOGNAME ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** True when an AWS identity can be asked for without guessing at credentials. */
export function awsIdentityConfigured(config: Config, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(config.aws.profile || config.aws.endpoints.sts || config.aws.writeRoleArn || env.AWS_ACCESS_KEY_ID || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
}

/** Resolves the actor once per command. */
export async function resolveActor(config: Config, opts: { writeRoleArn?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Actor> {
  const env = opts.env ?? process.env;
  const actor: Actor = { osUser: osUser(env), host: hostname() };
  if (opts.writeRoleArn) actor.writeRoleArn = opts.writeRoleArn;
  if (config.aws.accessKeyId && config.aws.secretAccessKey) {
    actor.aws = { source: 'static-config' };
  } else if (awsIdentityConfigured(config, env)) {
    try {
      const { StsSource } = await import('../../sources/sts.js');
      const sts = new StsSource(config);
      try {
        const id = await sts.callerIdentity();
        actor.aws = { arn: id.arn, account: id.account };
      } finally {
        sts.close();
      }
    } catch (err) {
      actor.aws = { error: (err as Error).message };
    }
  }
  return actor;
}
