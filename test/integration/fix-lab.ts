/**
 * A lab of the fix tests' own, in-process: a redis-server on a free port (AOF on request),
 * dynalite, s3rver and the project's emulator, seeded with `seedLab`; real clients on each;
 * an audit log in a temporary state directory; and exact snapshots of a session in every
 * store, to compare "before the fix" with "after the undo".
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import { AuditLog } from '../../src/actions/audit/log.js';
import { actionEnvFrom, layoutOf } from '../../src/actions/env.js';
import type { ActionEnv } from '../../src/actions/types.js';
import type { Config } from '../../src/config/schema.js';
import { sessionKeys, SESSION_KEY_KINDS } from '../../src/core/keys.js';
import type { SessionId } from '../../src/core/session-id.js';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LAB_CREDENTIALS, LAB_REGION, type LabEndpoints } from '../../src/lab/endpoints.js';
import { labConfig } from '../../src/lab/lab-config.js';
import { seedLab, type SeedManifest, type SeedOptions } from '../../src/lab/seed/index.js';
import type { RedisProcessOptions } from '../../src/lab/services/redis-process.js';
import { LocalDynamo, LocalS3, startRedis } from '../helpers/services.js';

export interface FixLab {
  endpoints: LabEndpoints;
  config: Config;
  stateDir: string;
  redisServer: Awaited<ReturnType<typeof startRedis>>;
  redis: Redis;
  ddb: DynamoDBDocumentClient;
  s3: S3Client;
  emulator: RunningEmulator;
  audit: AuditLog;
  env(now?: () => number): ActionEnv;
  seed(opts: SeedOptions): Promise<SeedManifest>;
  stop(): Promise<void>;
}

export async function startFixLab(opts: { redis?: RedisProcessOptions } = {}): Promise<FixLab> {
  const [redisServer, dynamo, s3server, emulator] = await Promise.all([startRedis(opts.redis), new LocalDynamo().start(), new LocalS3().start(), startEmulator()]);
  const endpoints: LabEndpoints = { redisUrl: redisServer.server.url, dynamodb: dynamo.endpoint, s3: s3server.endpoint, emulator: emulator.endpoint };
  const stateDir = mkdtempSync(join(tmpdir(), 'mo-fix-state-'));
  const config = labConfig(endpoints, { stateDir });
  const aws = { region: LAB_REGION, credentials: { ...LAB_CREDENTIALS } };
  const raw = new DynamoDBClient({ ...aws, endpoint: endpoints.dynamodb });
  const ddb = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client({ ...aws, endpoint: endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const redis = redisServer.client();
  return {
    endpoints,
    config,
    stateDir,
    redisServer,
    redis,
    ddb,
    s3,
    emulator,
    audit: new AuditLog(config.auditPath!),
    env: (now) => actionEnvFrom({ config, redis, ddb, s3, ...(now ? { now } : {}) }),
    seed: (o) => seedLab(endpoints, { seed: 11, ...o }),
    async stop() {
      raw.destroy();
      s3.destroy();
      await Promise.allSettled([redisServer.stop(), dynamo.stop(), s3server.stop(), emulator.stop()]);
    },
  };
}

/** One Redis key exactly: type, DUMP payload (bytes and encoding), TTL. */
export interface KeyImage {
  type: string;
  dump: string | null;
  ttlMs: number;
}

/** A session in every store: its Redis keys, its DynamoDB item, its S3 history objects. */
export interface SessionImage {
  redis: Record<string, KeyImage>;
  item: Record<string, unknown> | undefined;
  s3: Record<string, string>;
}

export async function sessionImage(lab: FixLab, id: SessionId): Promise<SessionImage> {
  const keys = sessionKeys(layoutOf(lab.config), id);
  const redis: Record<string, KeyImage> = {};
  for (const kind of SESSION_KEY_KINDS) {
    const key = keys[kind];
    const [[, type], [, ttl], [, dump]] = (await lab.redis.multi().type(key).pttl(key).dumpBuffer(key).exec()) as [unknown, unknown][] as [[null, string], [null, number], [null, Buffer | null]];
    redis[key] = { type, ttlMs: ttl, dump: dump ? dump.toString('base64') : null };
  }
  const item = (await lab.ddb.send(new GetCommand({ TableName: lab.config.names.sessionsTable, Key: { session_id: id }, ConsistentRead: true }))).Item;
  const s3: Record<string, string> = {};
  const listed = await lab.s3.send(new ListObjectsV2Command({ Bucket: lab.config.names.overflowBucket, Prefix: `sessions/${id}/` }));
  for (const o of listed.Contents ?? []) {
    const body = await lab.s3.send(new GetObjectCommand({ Bucket: lab.config.names.overflowBucket, Key: o.Key! }));
    s3[o.Key!] = (await body.Body!.transformToString('utf-8')) ?? '';
  }
  return { redis, item, s3 };
}

/**
 * Asserts two images are the same session: every key of the same type and DUMP bytes, TTLs
 * equal up to `ttlSlackMs` (they tick down; an undo puts back the TTL a key had when it was
 * quarantined), the same item, the same S3 objects. Returns the differences, empty when equal.
 */
export function imageDifferences(before: SessionImage, after: SessionImage, ttlSlackMs = 30_000): string[] {
  const out: string[] = [];
  for (const [key, b] of Object.entries(before.redis)) {
    const a = after.redis[key];
    if (!a) {
      out.push(`${key}: missing`);
      continue;
    }
    if (a.type !== b.type) out.push(`${key}: type ${b.type} -> ${a.type}`);
    if (a.dump !== b.dump) out.push(`${key}: content differs`);
    if ((a.ttlMs === -1) !== (b.ttlMs === -1) || (b.ttlMs >= 0 && (a.ttlMs > b.ttlMs + 1000 || a.ttlMs < b.ttlMs - ttlSlackMs))) out.push(`${key}: ttl ${b.ttlMs} -> ${a.ttlMs}`);
  }
  if (JSON.stringify(sorted(before.item)) !== JSON.stringify(sorted(after.item))) out.push('dynamodb item differs');
  if (JSON.stringify(before.s3) !== JSON.stringify(after.s3)) out.push(`s3 objects differ: ${Object.keys(before.s3).join(',')} -> ${Object.keys(after.s3).join(',')}`);
  return out;
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}
