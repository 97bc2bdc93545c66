/**
 * Benchmarks of the fleet scans (issue 6), all in one run and on the same data:
 * - `scan redis` (scanRedisFleet, through the production connection factory) against the raw
 *   pipelined loop written directly against ioredis (SCAN + pipelines of 500 LRANGE +
 *   JSON.parse of every turn; target: at least 0.9x) and against the naive loop (one awaited
 *   round trip per key; target: at least 2.5x), on 100,000 sessions of 10 JSON turns;
 * - the same scan on a 3-master cluster holding the same data;
 * - `scan dynamodb` with 1, 4 and 8 segments on dynalite;
 * - peak memory (maxRSS) of the `scan redis` command over 100,000 and over 1,000,000
 *   sessions (target: within 1.5x of each other: memory bounded by the batch, not the fleet).
 * Throughputs are the median of interleaved runs: on a shared machine the load drifts.
 */
import { Redis, type Cluster } from 'ioredis';
import { configSchema } from '../config/schema.js';
import { connectRedis, closeRedis, type RedisClient } from '../sources/redis.js';
import { scanRedisFleet } from '../scan/redis-fleet.js';
import { nodeRouter } from '../scan/node-router.js';
import { NodePipelines } from '../scan/node-pipelines.js';
import { scanDynamoFleet } from '../scan/dynamo-fleet.js';
import { measureScanMemory } from './scan-memory.js';
import type { BenchServices } from './services.js';
import type { BenchRow } from './types.js';

const SESSIONS = 100_000;
const TURNS = 10;
const RUNS = 5;
const LAYOUT = { prefix: 'manga', hashTags: false };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function turn(i: number, s: number): string {
  return JSON.stringify(
    i % 2 === 0
      ? { role: 'user', content: `進撃の巨人の最新巻はありますか? (${s})`, ts: 1_700_000_000_000 + i }
      : { role: 'assistant', content: `はい、34巻は在庫があります。528円です。`, agent_name: 'ProductSearchAgent', ts: 1_700_000_000_000 + i },
  );
}

/** Writes `count` sessions of `turns` turns (turns lists only, as the raw loops read), pipelined per master. */
export async function loadSessions(client: RedisClient, count: number, turns: number, turnOf: (i: number, s: number) => string = turn): Promise<void> {
  const router = nodeRouter(client);
  const BATCH = 2000;
  for (let start = 0; start < count; start += BATCH) {
    const pipes = new NodePipelines();
    for (let s = start; s < Math.min(count, start + BATCH); s++) {
      const key = `${LAYOUT.prefix}:session:bench-${s}:turns`;
      pipes.queue(router.nodeOf(key)!, 2, (p) => p.rpush(key, ...Array.from({ length: turns }, (_, i) => turnOf(i, s))).expire(key, 86_400));
    }
    const round = await pipes.exec();
    if (round.failed.size) throw [...round.failed.values()][0];
    for (const replies of round.replies.values()) {
      const failed = replies.find(([e]) => e);
      if (failed?.[0]) throw failed[0];
    }
  }
}

/** The reference: SCAN, pipelines of 500 LRANGE, JSON.parse of every turn. Returns sessions read. */
async function rawPipelinedLoop(redis: Redis): Promise<number> {
  let cursor = '0';
  let sessions = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${LAYOUT.prefix}:session:*:turns`, 'COUNT', 1000);
    cursor = next;
    for (let i = 0; i < keys.length; i += 500) {
      const pipe = redis.pipeline();
      for (const key of keys.slice(i, i + 500)) pipe.lrange(key, 0, -1);
      for (const [err, entries] of (await pipe.exec()) ?? []) {
        if (err) continue;
        for (const entry of entries as string[]) JSON.parse(entry);
        sessions++;
      }
    }
  } while (cursor !== '0');
  return sessions;
}

/** The naive loop: one awaited LRANGE per key. */
async function naiveLoop(redis: Redis): Promise<number> {
  let cursor = '0';
  let sessions = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${LAYOUT.prefix}:session:*:turns`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      for (const entry of await redis.lrange(key, 0, -1)) JSON.parse(entry);
      sessions++;
    }
  } while (cursor !== '0');
  return sessions;
}

async function ours(client: RedisClient): Promise<number> {
  const report = await scanRedisFleet(client, { layout: LAYOUT });
  if (report.classes.healthy.count !== report.sessions) throw new Error(`bench data misjudged: ${JSON.stringify(report.classes)}`);
  return report.sessions;
}

/** Sessions per second of one pass, and this process's CPU time per session (µs). */
async function rate(pass: () => Promise<number>): Promise<{ perSecond: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await pass();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (n !== SESSIONS) throw new Error(`a scan pass saw ${n} sessions, expected ${SESSIONS}`);
  return { perSecond: n / seconds, cpuUs: (cpu.user + cpu.system) / n };
}

async function redisThroughput(services: BenchServices): Promise<BenchRow[]> {
  const server = await services.redis();
  const raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const config = configSchema.parse({ redis: { url: server.url }, timeoutMs: 30_000 });
  const { client } = await connectRedis(config);
  const nodes = await services.cluster();
  const { client: cluster } = await connectRedis(configSchema.parse({ redis: { cluster: nodes }, timeoutMs: 30_000 }));
  try {
    await raw.flushall();
    await loadSessions(client, SESSIONS, TURNS);
    await Promise.all(nodeRouter(cluster).masters.map((m) => m.flushall()));
    await loadSessions(cluster, SESSIONS, TURNS);
    type Kind = 'ours' | 'raw' | 'naive' | 'cluster';
    const samples: Record<Kind, Array<{ perSecond: number; cpuUs: number }>> = { ours: [], raw: [], naive: [], cluster: [] };
    await rate(() => ours(client)); // warm-up: JIT and connections
    await rate(() => rawPipelinedLoop(raw));
    for (let i = 0; i < RUNS; i++) {
      samples.raw.push(await rate(() => rawPipelinedLoop(raw)));
      samples.ours.push(await rate(() => ours(client)));
      samples.naive.push(await rate(() => naiveLoop(raw)));
      samples.cluster.push(await rate(() => ours(cluster)));
    }
    const speed = (k: Kind) => median(samples[k].map((x) => x.perSecond));
    const cpuUs = (k: Kind) => median(samples[k].map((x) => x.cpuUs));
    const [o, r, n, c] = [speed('ours'), speed('raw'), speed('naive'), speed('cluster')];
    const data = `${SESSIONS.toLocaleString('en-US')} sessions of ${TURNS} JSON turns, median of ${RUNS}`;
    return [
      { name: 'scan redis (scanRedisFleet, single server)', value: o, unit: 'sessions/s', note: `${data}; classifies every turn` },
      { name: 'raw pipelined loop (SCAN + 500 LRANGE + JSON.parse)', value: r, unit: 'sessions/s', note: data },
      { name: 'naive loop (one awaited LRANGE per key)', value: n, unit: 'sessions/s', note: data },
      { name: 'scan redis / raw pipelined loop', value: o / r, unit: 'x', note: `target >= 0.9: ${o / r >= 0.9 ? 'met' : 'NOT met'}` },
      { name: 'scan redis / naive loop', value: o / n, unit: 'x', note: `target >= 2.5: ${o / n >= 2.5 ? 'met' : 'NOT met'}` },
      { name: 'scan redis client CPU per session', value: cpuUs('ours'), unit: 'µs', note: 'this process only (the server\'s work is the same LRANGEs)' },
      { name: 'raw pipelined loop client CPU per session', value: cpuUs('raw'), unit: 'µs', note: 'JSON.parse only: no validation, no classification' },
      { name: 'raw loop CPU / scan redis CPU', value: cpuUs('raw') / cpuUs('ours'), unit: 'x', note: 'CPU efficiency: steadier than throughput on a shared machine' },
      { name: 'scan redis on a 3-master cluster', value: c, unit: 'sessions/s', note: `${data}; masters scanned in parallel` },
      { name: 'scan redis cluster / single server', value: c / o, unit: 'x', note: 'same data; all servers share this machine\'s 2 cores' },
    ];
  } finally {
    await raw.flushall().catch(() => undefined);
    await Promise.all(nodeRouter(cluster).masters.map((m) => m.flushall().catch(() => undefined)));
    await Promise.all([raw.quit().catch(() => raw.disconnect()), closeRedis(client), closeRedis(cluster)]);
  }
}

async function dynamoThroughput(services: BenchServices): Promise<BenchRow[]> {
  const endpoint = await services.dynamo();
  const { DynamoDBClient, CreateTableCommand, BatchWriteItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const table = 'bench_sessions';
  const ITEMS = 3000;
  try {
    await client.send(new CreateTableCommand({ TableName: table, KeySchema: [{ AttributeName: 'session_id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'session_id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    for (let i = 0; i < ITEMS; i += 25) {
      const items = Array.from({ length: Math.min(25, ITEMS - i) }, (_, j) => ({
        PutRequest: { Item: { session_id: { S: `bench-${i + j}` }, turn_count: { N: String(TURNS) }, turns: { L: Array.from({ length: TURNS }, (_, k) => ({ S: turn(k, i + j) })) } } },
      }));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
    }
    const rows: BenchRow[] = [];
    const perSegments: Record<number, number[]> = { 1: [], 4: [], 8: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const n of [1, 4, 8]) {
        const t0 = performance.now();
        const r = await scanDynamoFleet(client, { table, totalSegments: n, segments: Array.from({ length: n }, (_, i) => i), thresholdBytes: 389_120, timeoutMs: 30_000 });
        if (r.items !== ITEMS) throw new Error(`scan dynamodb saw ${r.items} items, expected ${ITEMS}`);
        perSegments[n]!.push(ITEMS / ((performance.now() - t0) / 1000));
      }
    }
    const one = median(perSegments[1]!);
    for (const n of [1, 4, 8]) rows.push({ name: `scan dynamodb, ${n} segment${n > 1 ? 's' : ''} (dynalite)`, value: median(perSegments[n]!), unit: 'items/s', note: `${ITEMS} items of ${TURNS} turns, median of ${RUNS}` });
    for (const n of [4, 8]) rows.push({ name: `scan dynamodb ${n} segments / 1`, value: median(perSegments[n]!) / one, unit: 'x', note: 'dynalite is one in-process server on 2 cores: real DynamoDB serves segments from separate partitions' });
    return rows;
  } finally {
    client.destroy();
  }
}

/** Every scan benchmark; see the module comment. */
export async function benchScan(services: BenchServices): Promise<BenchRow[]> {
  return [...(await redisThroughput(services)), ...(await dynamoThroughput(services)), ...(await measureScanMemory(services))];
}
