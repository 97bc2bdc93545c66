import type { Config } from '../config/schema.js';
import type { RedisClient } from '../core/redis-types.js';
import type { CloudWatchSource } from '../sources/cloudwatch.js';
import type { DynamoSource } from '../sources/dynamodb.js';
import type { ElastiCacheSource } from '../sources/elasticache.js';
import type { LogsSource } from '../sources/logs-insights.js';
import type { S3Source } from '../sources/s3.js';

/**
 * The source adapters a diagnosis uses, each built on first use (so a run that never asks
 * ElastiCache never loads its SDK) and closed together at the end. Questions reach the
 * outside world only through these.
 */
export interface SourcePorts {
  cloudwatch(): Promise<CloudWatchSource>;
  logs(): Promise<LogsSource>;
  elasticache(): Promise<ElastiCacheSource>;
  dynamodb(): Promise<DynamoSource>;
  s3(): Promise<S3Source>;
  /** A connected client (connect errors are classified SourceErrors). */
  redis(): Promise<RedisClient>;
  /** A warning about the Redis connection the CLI must show (TLS verification off). */
  redisWarning(): string | undefined;
  /** Closes every client that was built; never throws, never hangs. */
  close(): Promise<void>;
}

/** Builds the ports for a configuration; every adapter is created lazily. */
export function createSourcePorts(config: Config, opts: { timeoutMs?: number } = {}): SourcePorts {
  const timeoutMs = opts.timeoutMs ?? config.timeoutMs;
  const aws = { timeoutMs };
  const closers: (() => void | Promise<void>)[] = [];
  const once = <T>(build: () => Promise<T>, close: (t: T) => void | Promise<void>) => {
    let built: Promise<T> | undefined;
    return () => {
      if (!built) {
        built = build();
        const pending = built;
        closers.push(async () => close(await pending));
        // A failed build is not retried: the diagnosis reports the source as failed.
        pending.catch(() => undefined);
      }
      return built;
    };
  };

  let warning: string | undefined;
  const redis = once(
    async () => {
      const { createRedis } = await import('../sources/redis.js');
      const factory = createRedis(config, { timeoutMs, connectionName: 'manga-oncall-diagnose' });
      warning = factory.warning;
      return factory.connect();
    },
    async (client) => {
      const { closeRedis } = await import('../sources/redis.js');
      await closeRedis(client);
    },
  );

  return {
    cloudwatch: once(async () => new (await import('../sources/cloudwatch.js')).CloudWatchSource(config, aws), (s) => s.close()),
    logs: once(async () => new (await import('../sources/logs-insights.js')).LogsSource(config, aws), (s) => s.close()),
    elasticache: once(async () => new (await import('../sources/elasticache.js')).ElastiCacheSource(config, aws), (s) => s.close()),
    dynamodb: once(async () => new (await import('../sources/dynamodb.js')).DynamoSource(config, aws), (s) => s.close()),
    s3: once(async () => new (await import('../sources/s3.js')).S3Source(config, aws), (s) => s.close()),
    redis,
    redisWarning: () => warning,
    async close() {
      await Promise.all(closers.map((c) => Promise.resolve().then(c).catch(() => undefined)));
    },
  };
}
