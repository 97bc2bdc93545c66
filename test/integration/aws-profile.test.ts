import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LAB_BASE_USER_ARN } from '../../src/lab/emulator/index.js';
import { seedLab } from '../../src/lab/seed/index.js';
import { runCli } from '../helpers/services.js';
import { startSecureLab, type SecureLab } from '../helpers/secure-lab.js';

/**
 * `--profile` as the AWS CLI understands it, through the SDK's own providers: a temporary
 * AWS_CONFIG_FILE with a `credential_process` profile (a tiny script printing JSON
 * credentials) and a role profile built on it. The lab's services accept any key, so the
 * test proves which credentials were used by the access key that signed every call.
 */
const PROCESS_KEY = 'AKIAPROFILEPROCESS01';
const PROCESS_SECRET = 'profile-process-secret-value';
const DIAGNOSE_ROLE = 'arn:aws:iam::123456789012:role/manga-oncall-diagnose';

describe('AWS profiles from the shared config file', () => {
  let lab: SecureLab;
  let configFile: string;
  let awsConfig: string;
  /** No credentials but the profile's: a leak from the test runner's environment would be noticed. */
  let env: Record<string, string>;

  beforeAll(async () => {
    lab = await startSecureLab();
    await seedLab({ redisUrl: lab.redis.url, dynamodb: lab.dynamoEndpoint, s3: lab.s3.endpoint, emulator: lab.emulator.endpoint }, { scenarios: 'none', sessions: 5 });
    lab.s3.acceptAccessKey(PROCESS_KEY, PROCESS_SECRET);
    const script = join(lab.dir, 'creds.mjs');
    writeFileSync(script, `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: '${PROCESS_KEY}', SecretAccessKey: '${PROCESS_SECRET}' }));\n`);
    awsConfig = join(lab.dir, 'aws-config');
    writeFileSync(
      awsConfig,
      [
        '[default]',
        'region = eu-west-3',
        '',
        '[profile oncall]',
        `credential_process = ${process.execPath} ${script}`,
        'region = ap-northeast-1',
        '',
        '[profile diagnose]',
        `role_arn = ${DIAGNOSE_ROLE}`,
        'source_profile = oncall',
        'role_session_name = alice-diagnose',
        'region = ap-northeast-1',
        '',
      ].join('\n'),
    );
    configFile = lab.writeConfig('config.json', { redis: { url: lab.redis.url } });
    env = {
      XDG_CONFIG_HOME: lab.dir,
      AWS_CONFIG_FILE: awsConfig,
      AWS_SHARED_CREDENTIALS_FILE: join(lab.dir, 'no-credentials-file'),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      // The role profile's own STS call goes to the lab too (the SDK's standard variable).
      AWS_ENDPOINT_URL_STS: lab.emulator.endpoint,
    };
  });
  afterAll(async () => {
    await lab?.stop();
  });
  beforeEach(() => {
    lab.calls.length = 0;
    lab.emulator.sts.reset();
  });

  const keysOf = (service?: string) => new Set(lab.calls.filter((c) => !service || c.service === service).map((c) => c.accessKeyId));

  it('--profile with credential_process: every call of doctor is signed with the process credentials', async () => {
    const r = await runCli(['doctor', '--json', '--config', configFile, '--profile', 'oncall'], { env });
    const doc = JSON.parse(r.stdout) as { checks: { id: string; status: string; detail: string }[] };
    expect(doc.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    for (const service of ['logs', 'monitoring', 'elasticache', 'sts', 'dynamodb']) {
      expect(keysOf(service), service).toEqual(new Set([PROCESS_KEY]));
    }
    expect(doc.checks.find((c) => c.id === 'sts')?.detail).toContain(`${LAB_BASE_USER_ARN} (account 000000000000) via profile oncall`);
  });

  it('the region comes from the profile unless --region or AWS_REGION names one (as the AWS CLI does)', async () => {
    const show = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await runCli(['config', 'show', '--json', '--config', configFile, ...args], { env: { ...env, ...extra } });
      const doc = JSON.parse(r.stdout) as { config: { aws: { region: string } }; provenance: Record<string, string> };
      return [doc.config.aws.region, doc.provenance['aws.region']];
    };
    expect(await show(['--profile', 'oncall'])).toEqual(['ap-northeast-1', 'profile']);
    expect(await show([])).toEqual(['eu-west-3', 'profile']);
    expect(await show(['--profile', 'oncall', '--region', 'us-west-2'])).toEqual(['us-west-2', 'flag']);
    expect(await show(['--profile', 'oncall'], { AWS_REGION: 'eu-central-1' })).toEqual(['eu-central-1', 'env']);
  });

  it('a role profile: the SDK assumes the role with the source profile, and the commands sign with the role', async () => {
    // The test is about who signs, not speed: credential_process starts a node process and the
    // role is assumed before any check, which on a busy CI machine can pass doctor's default 5 s.
    const r = await runCli(['doctor', '--json', '--timeout', '20s', '--config', configFile, '--profile', 'diagnose'], { env });
    const doc = JSON.parse(r.stdout) as { checks: { id: string; status: string; detail: string }[] };
    expect(doc.checks.filter((c) => c.status === 'fail')).toEqual([]);
    // One provider per profile for the process: the role is assumed once, not once per client.
    const sessions = lab.emulator.sts.issuedSessions().filter((s) => s.roleArn === DIAGNOSE_ROLE);
    expect(sessions).toHaveLength(1);
    const session = sessions[0];
    expect(session!.assumedBy).toBe(PROCESS_KEY);
    expect(session!.assumedRoleArn).toBe('arn:aws:sts::123456789012:assumed-role/manga-oncall-diagnose/alice-diagnose');
    for (const service of ['logs', 'monitoring', 'elasticache', 'dynamodb']) expect(keysOf(service), service).toEqual(new Set([session!.accessKeyId]));
    expect(doc.checks.find((c) => c.id === 'sts')?.detail).toContain(session!.assumedRoleArn);
  });

  it('a profile that does not exist is a credentials error (exit 2) naming the fix, not a hang or a stack trace', async () => {
    const r = await runCli(['doctor', '--config', configFile, '--profile', 'nope'], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/AWS identity \(STS\).*access denied.*fix: the AWS credentials are missing or expired: run `aws sso login --profile nope`/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(lab.calls.filter((c) => c.service !== 'redis')).toEqual([]);
  });
});
