import type { STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../config/schema.js';
import { LazyClient, awsClientOptions, profileContext, type AwsSourceOptions } from './aws-config.js';
import { SourceError } from './errors.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/** Who the AWS credentials belong to: the `actor` of an audit record. */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** Short-lived credentials for a write-scoped client (fix and undo). */
export interface WriteCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date | undefined;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`: what CloudTrail shows for each write. */
  assumedRoleArn?: string;
}

export interface AssumeWriteRoleOptions {
  /** Shows up in CloudTrail next to every write: say who and why. Sanitized to STS's alphabet. */
  sessionName?: string;
  /** Seconds; a fix takes minutes, so the default is the minimum STS allows. */
  durationSec?: number;
}

/** RoleSessionName: 2-64 characters of `[\w+=,.@-]`. */
function roleSessionName(raw: string): string {
  const cleaned = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `manga-oncall-${Date.now()}`;
}

/** STS: who we are, and the write role for remediations. */
export class StsSource {
  private readonly lazy: LazyClient<STSClient>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(async () => {
      const { STSClient } = await loadSdk('@aws-sdk/client-sts');
      return new STSClient(await awsClientOptions(config, 'sts', this.timeoutMs));
    });
  }

  /** GetCallerIdentity: needs no permission, so it also proves the credentials work. */
  async callerIdentity(): Promise<CallerIdentity> {
    const sts = await this.lazy.get();
    const { GetCallerIdentityCommand } = await loadSdk('@aws-sdk/client-sts');
    const out = await callAws('sts', this.timeoutMs, (abortSignal) => sts.send(new GetCallerIdentityCommand({}), { abortSignal }), profileContext(this.config, 'GetCallerIdentity'));
    return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
  }

  /**
   * Assumes the write role (`aws.writeRoleArn` unless given) and returns its credentials,
   * so reads keep the engineer's read-only identity and only fix/undo hold write rights.
   */
  async assumeWriteRole(roleArn = this.config.aws.writeRoleArn, opts: AssumeWriteRoleOptions = {}): Promise<WriteCredentials> {
    if (!roleArn) {
      throw new SourceError({
        source: 'sts',
        kind: 'invalid_request',
        message: 'no write role is configured',
        hint: 'set aws.writeRoleArn in the config to the role that fix and undo may assume',
      });
    }
    const sts = await this.lazy.get();
    const { AssumeRoleCommand } = await loadSdk('@aws-sdk/client-sts');
    const out = await callAws(
      'sts',
      this.timeoutMs,
      (abortSignal) =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: roleSessionName(opts.sessionName ?? `manga-oncall-${Date.now()}`),
            DurationSeconds: opts.durationSec ?? 900,
          }),
          { abortSignal },
        ),
      profileContext(this.config, `AssumeRole ${roleArn}`),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new SourceError({ source: 'sts', kind: 'unknown', message: `AssumeRole ${roleArn} returned no credentials`, hint: 'retry; if it persists, check the role in IAM' });
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
      ...(out.AssumedRoleUser?.Arn ? { assumedRoleArn: out.AssumedRoleUser.Arn } : {}),
    };
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }
}
