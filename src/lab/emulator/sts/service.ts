import { createHash, randomBytes } from 'node:crypto';
import { readInteger, readString } from '../protocols/input.js';
import { EmulatorError, type CallerContext, type EmulatedService } from '../types.js';

/**
 * The emulated STS (query protocol, 2011-06-15): AssumeRole and GetCallerIdentity, enough
 * for the write-role path of fix and undo to run end to end in the lab. Credentials it
 * issues are remembered, so GetCallerIdentity signed with them answers the assumed-role
 * ARN, as AWS does; any other access key is the lab's base user. Signatures are not
 * checked (no lab service checks them), but expiry is: a call signed with an expired
 * session's key fails with `ExpiredToken`, which is what a fix running past its role's
 * lifetime meets in production.
 */

/** The account the lab's base identity lives in (roles keep the account of their ARN). */
export const LAB_ACCOUNT_ID = '000000000000';
/** GetCallerIdentity's answer for any key the emulator did not issue. */
export const LAB_BASE_USER_ARN = `arn:aws:iam::${LAB_ACCOUNT_ID}:user/lab-engineer`;

/** One set of credentials handed out by AssumeRole. */
export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>` */
  assumedRoleArn: string;
  /** Who asked: the access key that signed the AssumeRole call. */
  assumedBy: string | undefined;
  expiresAt: number;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

function validation(message: string): EmulatorError {
  return new EmulatorError('ValidationError', message);
}

export class StsService implements EmulatedService {
  readonly name = 'sts' as const;
  private readonly sessions = new Map<string, IssuedSession>();
  private readonly refused = new Set<string>();

  /**
   * @param clock epoch-ms now, shared with the other emulated services.
   * @param onIssue told of every issued session, so a lab can make other local services
   *   (s3rver knows only the key pairs registered with it) accept the new key.
   */
  constructor(
    private readonly clock: () => number = Date.now,
    private readonly onIssue?: (session: IssuedSession) => void,
  ) {}

  /** Makes AssumeRole of `roleArn` fail with AccessDenied, as a missing trust policy would. */
  refuseRole(roleArn: string): void {
    this.refused.add(roleArn);
  }

  /** The session an access key belongs to, if this emulator issued it. */
  issued(accessKeyId: string): IssuedSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** Every session issued since the last reset, oldest first. */
  issuedSessions(): IssuedSession[] {
    return [...this.sessions.values()];
  }

  reset(): void {
    this.sessions.clear();
    this.refused.clear();
  }

  handle(operation: string, input: Record<string, unknown>, caller: CallerContext = {}): Record<string, unknown> {
    this.checkNotExpired(caller.accessKeyId);
    switch (operation) {
      case 'AssumeRole':
        return this.assumeRole(input, caller);
      case 'GetCallerIdentity':
        return this.callerIdentity(caller);
      default:
        throw new EmulatorError('InvalidAction', `The action ${operation} is not valid for this web service.`);
    }
  }

  private checkNotExpired(accessKeyId: string | undefined): void {
    const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    if (session && session.expiresAt <= this.clock()) {
      throw new EmulatorError('ExpiredToken', 'The security token included in the request is expired', 403);
    }
  }

  private assumeRole(input: Record<string, unknown>, caller: CallerContext): Record<string, unknown> {
    const roleArn = readString(input, 'RoleArn', { code: 'ValidationError' });
    const sessionName = readString(input, 'RoleSessionName', { code: 'ValidationError' });
    const duration = readInteger(input, 'DurationSeconds', { code: 'ValidationError' }) ?? 3600;
    if (!roleArn) throw validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    if (!sessionName || !SESSION_NAME.test(sessionName)) {
      throw validation("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}");
    }
    if (duration < 900 || duration > 43_200) {
      throw validation("1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200");
    }
    const arn = ROLE_ARN.exec(roleArn);
    if (!arn) throw validation(`${roleArn} is invalid`);
    const callerArn = this.identityOf(caller.accessKeyId).arn;
    if (this.refused.has(roleArn)) {
      throw new EmulatorError('AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    }
    const [, partition, account, roleName] = arn;
    const session: IssuedSession = {
      accessKeyId: randomId('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      roleArn,
      assumedRoleArn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      assumedBy: caller.accessKeyId,
      expiresAt: this.clock() + duration * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    this.onIssue?.(session);
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: new Date(session.expiresAt),
      },
      AssumedRoleUser: { AssumedRoleId: `${roleIdOf(roleArn)}:${sessionName}`, Arn: session.assumedRoleArn },
    };
  }

  private callerIdentity(caller: CallerContext): Record<string, unknown> {
    const who = this.identityOf(caller.accessKeyId);
    return { UserId: who.userId, Account: who.account, Arn: who.arn };
  }

  private identityOf(accessKeyId: string | undefined): { arn: string; account: string; userId: string } {
    const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    if (session) {
      const account = ROLE_ARN.exec(session.roleArn)?.[2] ?? LAB_ACCOUNT_ID;
      const name = session.assumedRoleArn.split('/').pop() ?? '';
      return { arn: session.assumedRoleArn, account, userId: `${roleIdOf(session.roleArn)}:${name}` };
    }
    // AWS answers a unique id (AIDA...), never the access key itself.
    return { arn: LAB_BASE_USER_ARN, account: LAB_ACCOUNT_ID, userId: `AIDA${stableId(accessKeyId ?? 'anonymous')}` };
  }
}

/** A role's unique id (AROA...), stable per ARN as in IAM. */
function roleIdOf(roleArn: string): string {
  return `AROA${stableId(roleArn)}`;
}

function stableId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 17; i++) out += ALNUM[digest[i]! % ALNUM.length];
  return out;
}
