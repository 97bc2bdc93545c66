/**
 * `lab seed`: writes the five incidents of the seed into a running lab as the real system
 * would have left them, over the same protocols production uses (Redis, DynamoDB and S3
 * through their own servers; CloudWatch Logs, CloudWatch and ElastiCache through the lab
 * emulator), and returns the manifest of what diagnose should find.
 *
 * @example
 * const manifest = await seedLab(endpoints, { scenarios: [1, 4], variants: { 1: 'no-event' } });
 */
import type { LabEndpoints } from '../endpoints.js';
import type { SeedManifest } from './manifest.js';
import { ALARMS } from './metrics.js';
import { planSeed, type SeedOptions, type SeedPlan } from './plan.js';
import { labClientOptions, S3_LAB_EXTRAS } from './writers/clients.js';
import { putItems, recreateTable } from './writers/dynamo.js';
import { createReplicationGroup, performFailover, resetEmulator } from './writers/elasticache.js';
import { writeLogs } from './writers/logs.js';
import { writeAlarms, writeMetricData } from './writers/metrics.js';
import { flushLabRedis, writeSessionsToRedis } from './writers/redis.js';
import { ensureEmptyBucket } from './writers/s3.js';

export { planSeed, selectedScenarios, DEFAULT_SEED, DEFAULT_SESSIONS, MAX_SESSIONS, type SeedOptions, type SeedPlan } from './plan.js';
export { LAB_RESOURCES, MANIFEST_SCHEMA_VERSION, type SeedManifest } from './manifest.js';
export { SCENARIOS, defaultVariant, variantsOf } from './scenarios.js';
export { SCENARIO_NUMBERS, type ScenarioExpectation, type ScenarioManifest, type ScenarioNumber, type Verdict } from './scenario-types.js';
export { ALARMS, METRIC_NAMESPACE, type AlarmName, type MetricName } from './metrics.js';
export { SERIES, INVENTED_TITLES, catalogProducts, type Product, type Series } from './catalog.js';
export { LabSeedError, type LabSeedErrorCode } from './errors.js';

/** How long ago, by the seed's clock, the replication group was "created". */
const CLUSTER_AGE_MS = 90 * 24 * 3600 * 1000;

async function writeDynamo(endpoint: string, plan: SeedPlan): Promise<void> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const client = new DynamoDBClient(labClientOptions(endpoint));
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const { sessionsTable, productsTable } = plan.manifest.resources;
    await Promise.all([recreateTable(client, { name: sessionsTable, hashKey: 'session_id' }), recreateTable(client, { name: productsTable, hashKey: 'product_id' })]);
    const sessions = plan.sessions.flatMap((s) => (s.dynamo ? [s.dynamo as unknown as Record<string, unknown>] : []));
    const products = plan.products as unknown as Record<string, unknown>[];
    const weigh = (item: Record<string, unknown>) => JSON.stringify(item).length * 3;
    await putItems(doc, productsTable, products, () => 200);
    await putItems(doc, sessionsTable, sessions, weigh);
  } finally {
    client.destroy();
  }
}

async function writeS3(endpoint: string, plan: SeedPlan): Promise<void> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ ...labClientOptions(endpoint), ...S3_LAB_EXTRAS });
  try {
    await ensureEmptyBucket(client, plan.manifest.resources.overflowBucket);
  } finally {
    client.destroy();
  }
}

async function writeCloudWatch(endpoint: string, plan: SeedPlan): Promise<void> {
  const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  const logs = new CloudWatchLogsClient(labClientOptions(endpoint));
  const cw = new CloudWatchClient(labClientOptions(endpoint));
  try {
    await Promise.all([
      writeLogs(logs, plan.manifest.resources.logGroup, plan.manifest.resources.logStreams, plan.logs),
      (async () => {
        await writeAlarms(cw, ALARMS);
        await writeMetricData(cw, plan.metrics);
      })(),
    ]);
  } finally {
    logs.destroy();
    cw.destroy();
  }
}

async function writeElastiCache(endpoints: LabEndpoints, plan: SeedPlan): Promise<void> {
  await createReplicationGroup(endpoints.emulator, plan.manifest.resources.replicationGroup, endpoints.redisUrl, plan.ctx.now - CLUSTER_AGE_MS);
  for (const f of plan.failovers) await performFailover(endpoints.emulator, f);
}

/**
 * Resets the lab (flushes its Redis database, recreates the tables, empties the bucket,
 * resets the emulator) and writes the background plus the chosen scenarios. Options are
 * validated before anything is touched (`LabSeedError` BAD_OPTION). Same options and `now`,
 * same data. Returns the manifest of what was written.
 */
export async function seedLab(endpoints: LabEndpoints, opts: SeedOptions): Promise<SeedManifest> {
  const plan = planSeed(opts);
  const { Redis } = await import('ioredis');
  // The lab's Redis is local: a refused connection is an answer, not something to retry.
  const redis = new Redis(endpoints.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // ioredis reports the cause (ECONNREFUSED, WRONGPASS...) as an event and rejects connect()
  // with a bare "Connection is closed": keep the cause to throw it.
  let connectionError: unknown;
  redis.on('error', (err: unknown) => {
    connectionError ??= err;
  });
  try {
    await redis.connect().catch((err: unknown) => {
      throw connectionError ?? err;
    });
    // The emulator is reset before anything else: its state is the only part the others do not overwrite.
    await resetEmulator(endpoints.emulator);
    await flushLabRedis(redis);
    await Promise.all([
      writeSessionsToRedis(redis, plan.layout, plan.sessions),
      writeDynamo(endpoints.dynamodb, plan),
      writeS3(endpoints.s3, plan),
      writeCloudWatch(endpoints.emulator, plan),
      writeElastiCache(endpoints, plan),
    ]);
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
  return plan.manifest;
}
