import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLab } from '../../src/lab/seed/index.js';
import { runCli, type CliRun } from '../helpers/services.js';
import { startSecureLab, type SecureLab } from '../helpers/secure-lab.js';

/**
 * No secret and no user message content in any byte the tool writes. Every command that
 * exists runs with --verbose against a lab with Redis AUTH, with known secrets set the ways
 * an engineer sets them (a Redis password in the environment, another in a URL, AWS keys
 * and a session token in the environment, a write role whose temporary credentials the
 * lab's STS issues), and a known user message seeded in Redis, DynamoDB and the logs. Then
 * stdout, stderr, the audit file, the incident report and every file in the state directory
 * are searched for each of them.
 */
const SECRETS = {
  redisEnvPassword: 'RedisEnvPass-Zq81xK',
  redisUrlPassword: 'RedisUrlPass-Wm47pT',
  awsAccessKeyId: 'AKIASECRETTEST98765',
  awsSecretAccessKey: 'wJalrXUtnFEMI-K7MDENG-SecretKeyForTest01',
  awsSessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKENabcdef0123456789',
};
/** The user's words: personal data that must stay masked (a name and an address). */
const USER_MESSAGE = 'Please send vol 9 to Hanako Yamada-PII-7731, 1-2-3 Jingumae Shibuya';
const SESSION = 'secret-user-1';
const WRITE_ROLE = 'arn:aws:iam::123456789012:role/manga-oncall-write';
/** A dozen runs of the binary each: generous, since other suites share the machine's two cores. */
const CLI_BATCH_TIMEOUT_MS = 150_000;

interface Run extends CliRun {
  args: string[];
}

describe('secrets and user content never reach an output', () => {
  let lab: SecureLab;
  let configFile: string;
  let env: Record<string, string>;
  let commands: Set<string>;
  /** A scenario-4 session: its fix (compact) writes to DynamoDB and S3, through the write role. */
  let bigSession: string;
  const runs: Run[] = [];
  const skipped: string[] = [];

  const cli = async (args: string[], extra: Record<string, string> = {}): Promise<Run> => {
    const r = { ...(await runCli([...args, '--verbose', '--config', configFile], { env: { ...env, ...extra } })), args };
    runs.push(r);
    return r;
  };

  beforeAll(async () => {
    lab = await startSecureLab({ redisArgs: ['--requirepass', SECRETS.redisEnvPassword] });
    const admin = new Redis(lab.redis.port, '127.0.0.1', { password: SECRETS.redisEnvPassword });
    await admin.call('ACL', 'SETUSER', 'oncall', 'on', `>${SECRETS.redisUrlPassword}`, '~*', '&*', '+@all');
    const manifest = await seedLab(
      { redisUrl: `redis://:${SECRETS.redisEnvPassword}@127.0.0.1:${lab.redis.port}`, dynamodb: lab.dynamoEndpoint, s3: lab.s3.endpoint, emulator: lab.emulator.endpoint },
      { scenarios: 'all', sessions: 20 },
    );
    bigSession = manifest.scenarios.find((s) => s.scenario === 4)!.affectedSessions[0]!;
    // The known message: a turns list corrupted after it, a good backup holding it.
    const userTurn = { role: 'user', content: USER_MESSAGE, ts: Date.now() - 60_000 };
    const reply = { role: 'assistant', content: 'Sure, Hanako Yamada-PII-7731.', agent_name: 'OrderAgent', ts: Date.now() - 59_000 };
    await admin.rpush(`manga:session:${SESSION}:turns`, JSON.stringify(userTurn), '{"role":"assistant","content":"trunc');
    await admin.set(`manga:session:${SESSION}:backup`, JSON.stringify([userTurn, reply]));
    await admin.expire(`manga:session:${SESSION}:turns`, 1800);
    await admin.quit();
    const local = { region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...local, endpoint: lab.dynamoEndpoint }));
    await ddb.send(new PutCommand({ TableName: 'manga_sessions', Item: { session_id: SESSION, turns: [userTurn, reply], turn_count: 2, history_summary: `User ${USER_MESSAGE}`, created_at: Date.now() - 7_200_000, updated_at: Date.now(), version: 3 } }));
    ddb.destroy();
    const logs = new CloudWatchLogsClient({ ...local, endpoint: lab.emulator.endpoint });
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/manga-assist/orchestrator', logStreamName: 'secrets-test' }));
    const at = Date.now() - 30_000;
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/manga-assist/orchestrator',
        logStreamName: 'secrets-test',
        logEvents: [
          { timestamp: at, message: JSON.stringify({ event: 'session_load_failed', level: 'ERROR', session_id: SESSION, turn_id: 't1', error_type: 'JSONDecodeError' }) },
          { timestamp: at + 1, message: JSON.stringify({ event: 'response', level: 'INFO', session_id: SESSION, turn_id: 't1', text: `Shipping to ${USER_MESSAGE}` }) },
        ],
      }),
    );
    logs.destroy();

    // The AWS keys in the environment must work against s3rver too (it knows only registered keys).
    lab.s3.acceptAccessKey(SECRETS.awsAccessKeyId, SECRETS.awsSecretAccessKey);
    configFile = lab.writeConfig('config.json', { redis: { url: lab.redis.url }, aws: { writeRoleArn: WRITE_ROLE } });
    env = {
      XDG_CONFIG_HOME: lab.dir,
      MANGA_ONCALL_REDIS_PASSWORD: SECRETS.redisEnvPassword,
      AWS_ACCESS_KEY_ID: SECRETS.awsAccessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
      AWS_SESSION_TOKEN: SECRETS.awsSessionToken,
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: join(lab.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(lab.dir, 'no-aws-credentials'),
    };
    const help = await runCli(['--help'], { env });
    commands = new Set([...help.stdout.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** Runs `args` when its command exists in this build; records it as skipped otherwise. */
  const maybe = async (args: string[], extra: Record<string, string> = {}) => {
    if (!commands.has(args[0]!)) {
      skipped.push(args.join(' '));
      return undefined;
    }
    return cli(args, extra);
  };

  it('runs every command that exists, with the Redis password in the environment', async () => {
    const report = join(lab.dir, 'incident.md');
    const reads: string[][] = [
      ['config', 'show'],
      ['config', 'show', '--json'],
      ['doctor', '--json'],
      ['diagnose', '--json', '--report', report],
      ['diagnose', '--session', SESSION],
      ['scan', 'redis', '--json'],
      ['scan', 'dynamodb', '--json'],
      ['inspect', 'session', SESSION],
      ['inspect', 'session', SESSION, '--json'],
      ['runbook', 'list'],
      ['iam-policy'],
      ['iam-policy', '--write', '--json'],
      ['lab', 'status', '--json', '--dir', join(lab.dir, 'no-lab')],
    ];
    // Two at a time: enough to be quick, little enough for a shared 2-core machine.
    for (let i = 0; i < reads.length; i += 2) await Promise.all(reads.slice(i, i + 2).map((a) => maybe(a)));
    expect(existsSync(report)).toBe(commands.has('diagnose'));
  }, CLI_BATCH_TIMEOUT_MS);

  it('runs fix (dry run and applied), undo and audit list, with the Redis password in the environment', async () => {
    const dry = await maybe(['fix', 'session', SESSION, '--action', 'restore-backup', '--dry-run']);
    const fixed = await maybe(['fix', 'session', SESSION, '--action', 'restore-backup', '--yes', '--json']);
    const auditId = fixed ? (JSON.parse(fixed.stdout) as { auditId?: string }).auditId : undefined;
    if (auditId) await maybe(['undo', auditId, '--yes', '--json']);
    else skipped.push('undo (no audit id)');
    lab.calls.length = 0;
    await maybe(['fix', 'session', bigSession, '--action', 'compact', '--yes', '--json']);
    await maybe(['audit', 'list', '--json']);
    await maybe(['audit', 'list']);
    if (dry) expect(dry.code).not.toBe(1);

    expect(runs.length).toBeGreaterThanOrEqual(11);
    // No command may have crashed: a bug's stack trace is where secrets leak first.
    expect(runs.filter((r) => r.code === 1).map((r) => `${r.args.join(' ')}: ${r.stderr.slice(0, 300)}`)).toEqual([]);
  }, CLI_BATCH_TIMEOUT_MS);

  it('runs the reading commands with the password in the URL, and the failure paths that echo URLs and config', async () => {
    const urlWithPassword = `redis://oncall:${SECRETS.redisUrlPassword}@127.0.0.1:${lab.redis.port}`;
    const noEnvPassword = { MANGA_ONCALL_REDIS_PASSWORD: '' };
    const batch = [
      ...[['config', 'show', '--json'], ['doctor'], ['scan', 'redis'], ['diagnose', '--session', SESSION, '--json']].map((a) => [...a, '--redis-url', urlWithPassword]),
      // A closed port, a malformed URL and a wrong password: messages must not echo the secret.
      ['scan', 'redis', '--redis-url', `redis://oncall:${SECRETS.redisUrlPassword}@127.0.0.1:1`],
      ['doctor', '--redis-url', `redis://oncall:${SECRETS.redisUrlPassword}@[127.0.0.1`],
      ['scan', 'redis', '--redis-url', `redis://oncall:${SECRETS.redisUrlPassword}x@127.0.0.1:${lab.redis.port}`],
    ];
    for (let i = 0; i < batch.length; i += 2) await Promise.all(batch.slice(i, i + 2).map((a) => maybe(a, noEnvPassword)));
    const warned = runs.filter((r) => r.args.includes(urlWithPassword));
    expect(warned.length).toBeGreaterThan(0);
    for (const r of warned) expect(r.stderr).toContain('shell history');
  }, CLI_BATCH_TIMEOUT_MS);

  it('no secret appears in any stdout, stderr, audit record, report or state file', () => {
    // The lab STS's temporary credentials for the write role are secrets too.
    const issued = lab.emulator.sts.issuedSessions().flatMap((s) => [s.secretAccessKey, s.sessionToken]);
    const secrets = [...Object.values(SECRETS), ...issued];
    const leaks: string[] = [];
    const search = (where: string, text: string) => {
      for (const s of secrets) if (text.includes(s)) leaks.push(`${where} contains ${s.slice(0, 6)}...`);
    };
    for (const r of runs) {
      search(`stdout of ${r.args.join(' ')}`, r.stdout);
      search(`stderr of ${r.args.join(' ')}`, r.stderr);
    }
    for (const file of filesUnder(lab.dir)) search(file, readFileSync(file, 'latin1'));
    expect(leaks).toEqual([]);
    expect(runs.length).toBeGreaterThan(15);
    expect(runs.filter((r) => r.code === 1).map((r) => r.args.join(' '))).toEqual([]);
  });

  it('the user message appears nowhere without --show-content: terminal, JSON, audit, report', () => {
    const markers = [USER_MESSAGE, 'Hanako Yamada-PII-7731', 'Jingumae'];
    const leaks: string[] = [];
    for (const r of runs) {
      for (const m of markers) if (r.stdout.includes(m) || r.stderr.includes(m)) leaks.push(`${r.args.join(' ')}: ${m}`);
    }
    for (const file of filesUnder(lab.dir).filter((f) => /\.(md|jsonl|json)$/.test(f) && !f.endsWith('config.json'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of markers) if (text.includes(m)) leaks.push(`${file}: ${m}`);
    }
    expect(leaks).toEqual([]);
    // The session was read (it is in the output by id), so the absence is not an accident.
    expect(runs.some((r) => r.args.includes('--session') && r.stdout.includes(SESSION))).toBe(commands.has('diagnose'));
  });

  it("a fix that writes to AWS does so as the write role, and its audit record names the role", () => {
    if (!commands.has('fix')) {
      expect(skipped).toContain(`fix session ${bigSession} --action compact --yes --json`);
      return;
    }
    const audit = filesUnder(lab.dir).find((f) => f.endsWith('audit.jsonl'));
    expect(audit).toBeDefined();
    const lines = readFileSync(audit!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; session: string; actor: { writeRoleArn?: string } });
    const compact = lines.filter((l) => l.action === 'compact' && l.session === bigSession);
    expect(compact.length).toBeGreaterThan(0);
    for (const l of compact) expect(l.actor.writeRoleArn).toBe(WRITE_ROLE);
    // Every DynamoDB write of that fix was signed by a key the lab's STS issued for the role.
    const roleKeys = new Set(lab.emulator.sts.issuedSessions().filter((s) => s.roleArn === WRITE_ROLE).map((s) => s.accessKeyId));
    const writes = lab.calls.filter((c) => c.service === 'dynamodb' && /^(PutItem|UpdateItem|DeleteItem)$/.test(c.operation));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((c) => !roleKeys.has(c.accessKeyId ?? ''))).toEqual([]);
  });
});

/** Every regular file under `dir` except the lab services' own data (Redis, s3rver). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && !/(redis\.log|dump\.rdb|appendonly|\.aof)/.test(f));
}
