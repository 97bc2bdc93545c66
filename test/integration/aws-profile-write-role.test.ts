import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActionEnv } from '../../src/actions/env.js';
import { configSchema } from '../../src/config/schema.js';
import { seedLab } from '../../src/lab/seed/index.js';
import { DynamoSource } from '../../src/sources/dynamodb.js';
import { SourceError } from '../../src/sources/errors.js';
import { StsSource } from '../../src/sources/sts.js';
import { startSecureLab, type SecureLab } from '../helpers/secure-lab.js';

/**
 * Read-only by default, write rights only for the fix: reads sign with the engineer's own
 * credentials, and the clients fix and undo write with sign with the temporary credentials
 * of `aws.writeRoleArn`, assumed through the lab's STS (AssumeRole, query protocol). Which
 * key signed each call is read from the lab's records (the emulator's, and a proxy in front
 * of dynalite), so a write that slipped through the base credentials would be seen.
 */
const BASE_KEY = 'AKIABASEENGINEER0001';
const WRITE_ROLE = 'arn:aws:iam::123456789012:role/manga-oncall-write';

describe('the write role of fix and undo, end to end through the lab STS', () => {
  let lab: SecureLab;
  const config = () =>
    configSchema.parse({
      redis: { url: lab.redis.url },
      aws: {
        region: 'us-east-1',
        endpoints: { sts: lab.emulator.endpoint, dynamodb: lab.dynamoEndpoint, s3: lab.s3.endpoint, logs: lab.emulator.endpoint },
        accessKeyId: BASE_KEY,
        secretAccessKey: 'base-engineer-secret',
        s3ForcePathStyle: true,
        writeRoleArn: WRITE_ROLE,
      },
      timeoutMs: 3000,
    });

  beforeAll(async () => {
    lab = await startSecureLab();
    await seedLab({ redisUrl: lab.redis.url, dynamodb: lab.dynamoEndpoint, s3: lab.s3.endpoint, emulator: lab.emulator.endpoint }, { scenarios: [4], sessions: 3 });
    // s3rver knows only the keys registered with it; the base key is the engineer's.
    lab.s3.acceptAccessKey(BASE_KEY, 'base-engineer-secret');
  });
  afterAll(async () => {
    await lab?.stop();
  });
  beforeEach(() => {
    lab.calls.length = 0;
    lab.emulator.sts.reset();
  });

  it('STS in the lab: AssumeRole issues expiring credentials, GetCallerIdentity answers by the signing key', async () => {
    const sts = new StsSource(config());
    const creds = await sts.assumeWriteRole(undefined, { sessionName: 'alice fix s-1' });
    sts.close();
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.assumedRoleArn).toBe('arn:aws:sts::123456789012:assumed-role/manga-oncall-write/alice-fix-s-1');
    expect(creds.expiration!.getTime() - Date.now()).toBeGreaterThan(800_000);
    const asRole = new StsSource(configSchema.parse({ ...config(), aws: { ...config().aws, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } }));
    expect((await asRole.callerIdentity()).arn).toBe(creds.assumedRoleArn);
    asRole.close();
    expect(lab.calls.filter((c) => c.service === 'sts').map((c) => [c.operation, c.accessKeyId])).toEqual([
      ['AssumeRole', BASE_KEY],
      ['GetCallerIdentity', creds.accessKeyId],
    ]);
  });

  it("reads use the engineer's key; fix's DynamoDB and S3 clients use the role's, assumed once, as the base identity", async () => {
    const reader = new DynamoSource(config());
    await reader.getSession('s4-missing');
    reader.close();
    const env = createActionEnv(config());
    try {
      const ddb = await env.ddb();
      await ddb.send(new GetCommand({ TableName: 'manga_sessions', Key: { session_id: 's4-missing' } }));
      const s3 = await env.s3();
      await s3.send(new PutObjectCommand({ Bucket: 'manga-session-overflow', Key: 'quarantine/s-1/probe.json', Body: '{}', ContentType: 'application/json' }));
      await s3.send(new GetObjectCommand({ Bucket: 'manga-session-overflow', Key: 'quarantine/s-1/probe.json' }));
      expect(env.writeRoleArn()).toBe(WRITE_ROLE);
    } finally {
      await env.close();
    }
    const sessions = lab.emulator.sts.issuedSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ roleArn: WRITE_ROLE, assumedBy: BASE_KEY });
    expect(lab.calls.filter((c) => c.service === 'dynamodb').map((c) => c.accessKeyId)).toEqual([BASE_KEY, sessions[0]!.accessKeyId]);
  });

  it('a role the engineer may not assume: AccessDenied from STS (exit 2), and nothing is written', async () => {
    lab.emulator.sts.refuseRole(WRITE_ROLE);
    const env = createActionEnv(config());
    try {
      const err = await env.ddb().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      expect(err).toMatchObject({ source: 'sts', kind: 'access_denied', exitCode: 2 });
      expect((err as SourceError).message).toContain(`sts:AssumeRole on resource: ${WRITE_ROLE}`);
    } finally {
      await env.close();
    }
    expect(lab.calls.filter((c) => c.service === 'dynamodb')).toEqual([]);
  });
});
