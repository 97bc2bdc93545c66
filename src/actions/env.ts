/**
 * Builds the stores the actions use from the configuration, each on first use and closed
 * together: the Redis client (the source factory, with TLS and AUTH), the session store of
 * the core, and the AWS clients, which carry the write role's credentials when
 * `aws.writeRoleArn` is set (reads keep the engineer's identity; only fix and undo write).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/schema.js';
import type { Catalog } from '../core/grounding/index.js';
import type { KeyLayout } from '../core/keys.js';
import type { RedisClient } from '../core/redis-types.js';
import { SessionStore } from '../core/sessions/index.js';
import type { ActionEnv } from './types.js';
import { loadSdk } from '../core/aws-sdk.js';

export interface ActionEnvHandle extends ActionEnv {
  /** The write role assumed for AWS writes, once one was (for the audit actor). */
  writeRoleArn(): string | undefined;
  /** The Redis TLS warning the CLI must show, if any. */
  redisWarning(): string | undefined;
  close(): Promise<void>;
}

export function layoutOf(config: Config): KeyLayout {
  return { prefix: config.redis.keyPrefix, hashTags: config.redis.hashTags };
}

function once<T>(build: () => Promise<T>): { get: () => Promise<T>; built: () => Promise<T> | undefined } {
  let p: Promise<T> | undefined;
  return { get: () => (p ??= build()), built: () => p };
}

/** The production environment: everything from the config. */
export function createActionEnv(config: Config, opts: { timeoutMs?: number; now?: () => number } = {}): ActionEnvHandle {
  const timeoutMs = opts.timeoutMs ?? config.timeoutMs;
  const layout = layoutOf(config);
  let warning: string | undefined;
  let assumed: string | undefined;
  const redis = once(async () => {
    const { createRedis } = await import('../sources/redis.js');
    const factory = createRedis(config, { timeoutMs, connectionName: 'manga-oncall-fix' });
    warning = factory.warning;
    return factory.connect();
  });
  const credentials = once(async () => {
    if (!config.aws.writeRoleArn) return undefined;
    const { StsSource } = await import('../sources/sts.js');
    const sts = new StsSource(config, { timeoutMs });
    try {
      const c = await sts.assumeWriteRole(config.aws.writeRoleArn, { sessionName: `manga-oncall-fix-${process.env.USER ?? 'oncall'}` });
      assumed = config.aws.writeRoleArn;
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, ...(c.expiration ? { expiration: c.expiration } : {}) };
    } finally {
      sts.close();
    }
  });
  const ddb = once(async () => {
    const [{ DynamoDBClient }, { DynamoDBDocumentClient }, { awsClientOptions }] = await Promise.all([
      loadSdk('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
      import('../sources/aws-config.js'),
    ]);
    const creds = await credentials.get();
    const base = new DynamoDBClient({ ...(await awsClientOptions(config, 'dynamodb', timeoutMs)), ...(creds ? { credentials: creds } : {}) });
    return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  });
  const s3 = once(async () => {
    const [{ S3Client }, { awsClientOptions, s3Extras }] = await Promise.all([loadSdk('@aws-sdk/client-s3'), import('../sources/aws-config.js')]);
    const creds = await credentials.get();
    return new S3Client({ ...(await awsClientOptions(config, 's3', timeoutMs)), ...s3Extras(config), ...(creds ? { credentials: creds } : {}) });
  });
  const sessions = once(async () => new SessionStore({ redis: await redis.get(), layout, ttlSeconds: config.sessionTtlSeconds, now: opts.now ?? Date.now }));
  const catalog = once(async () => {
    const { DynamoCatalog } = await import('../core/grounding/index.js');
    return new DynamoCatalog({ ddb: await ddb.get(), table: config.names.productsTable }) as Catalog;
  });
  return {
    config,
    layout,
    redis: redis.get,
    sessions: sessions.get,
    ddb: ddb.get,
    s3: s3.get,
    catalog: catalog.get,
    now: opts.now ?? Date.now,
    writeRoleArn: () => assumed,
    redisWarning: () => warning,
    async close() {
      const r = redis.built();
      const d = ddb.built();
      const s = s3.built();
      await Promise.all([
        r?.then(async (c) => (await import('../sources/redis.js')).closeRedis(c)).catch(() => undefined),
        d?.then((c) => c.destroy()).catch(() => undefined),
        s?.then((c) => c.destroy()).catch(() => undefined),
      ]);
    },
  };
}

/** An environment over clients the caller owns (tests, benchmarks, the lab): nothing is closed. */
export function actionEnvFrom(parts: {
  config: Config;
  redis?: RedisClient;
  ddb?: DynamoDBDocumentClient;
  s3?: S3Client;
  catalog?: Catalog;
  now?: () => number;
}): ActionEnv {
  const layout = layoutOf(parts.config);
  const need = <T>(value: T | undefined, what: string): Promise<T> =>
    value === undefined ? Promise.reject(new Error(`this environment has no ${what}`)) : Promise.resolve(value);
  let store: SessionStore | undefined;
  let catalog = parts.catalog;
  return {
    config: parts.config,
    layout,
    redis: () => need(parts.redis, 'Redis client'),
    sessions: async () => (store ??= new SessionStore({ redis: await need(parts.redis, 'Redis client'), layout, ttlSeconds: parts.config.sessionTtlSeconds, ...(parts.now ? { now: parts.now } : {}) })),
    ddb: () => need(parts.ddb, 'DynamoDB client'),
    s3: () => need(parts.s3, 'S3 client'),
    async catalog() {
      if (!catalog) {
        const { DynamoCatalog } = await import('../core/grounding/index.js');
        catalog = new DynamoCatalog({ ddb: await need(parts.ddb, 'DynamoDB client'), table: parts.config.names.productsTable });
      }
      return catalog;
    },
    now: parts.now ?? Date.now,
  };
}
