/**
 * The fleet fix of 10,000 corrupt sessions on a local redis-server, against a bare pipelined
 * restore written directly against ioredis, in one run. The fleet fix pays for its safety (a
 * pipelined planning read with classification, a quarantine record, a precondition check and
 * a read-back inside each session's atomic script, an audit log and a journal on disk) but
 * not with round trips per key: the target is within 3x of the bare restore, which reads the
 * backups and rewrites the lists with no check, no copy and no record. Both are given
 * `redis.pipelineSize` 500 and one client; the fleet fix runs as the CLI does (chunks of at
 * most 200 sessions, and a second connection of its own for the scan and planning reads).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AuditLog } from '../actions/audit/log.js';
import { actionEnvFrom } from '../actions/env.js';
import { runFleetFix } from '../actions/fleet/run.js';
import { configSchema } from '../config/schema.js';
import { RedisProcess } from '../lab/services/redis-process.js';
import type { BenchRow } from './types.js';

const SESSIONS = 10_000;
const TURNS = 8;
const PIPELINE = 500;
const ROUNDS = 3;

/** 10,000 sessions whose last turn was cut off mid-write, each with a good backup. */
async function writeCorrupt(redis: Redis): Promise<void> {
  await redis.flushdb();
  for (let start = 0; start < SESSIONS; start += PIPELINE) {
    const pipe = redis.pipeline();
    for (let i = start; i < start + PIPELINE; i++) {
      const turns = Array.from({ length: TURNS }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: `session ${i}: ワンピース 第${t + 1}巻の在庫はありますか? (${t})`, ts: 1_700_000_000_000 + t, ...(t % 2 ? { agent_name: 'ProductSearchAgent' } : {}) }));
      const entries = turns.map((t) => JSON.stringify(t));
      entries[TURNS - 1] = entries[TURNS - 1]!.slice(0, 30);
      const key = `manga:session:bench-${i}`;
      pipe.rpush(`${key}:turns`, ...entries).pexpire(`${key}:turns`, 1_700_000);
      pipe.set(`${key}:backup`, JSON.stringify(turns.slice(0, -1)), 'PX', 1_700_000);
    }
    await pipe.exec();
  }
}

/** The bare restore: find the sessions, read their backups, rewrite their lists. No check, no copy, no record. */
async function bareRestore(redis: Redis): Promise<number> {
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'manga:session:*:turns', 'COUNT', 1000);
    cursor = next;
    for (const k of keys) ids.push(k.slice('manga:session:'.length, -':turns'.length));
  } while (cursor !== '0');
  let restored = 0;
  for (let start = 0; start < ids.length; start += PIPELINE) {
    const chunk = ids.slice(start, start + PIPELINE);
    const backups = ((await chunk.reduce((p, id) => p.get(`manga:session:${id}:backup`), redis.pipeline()).exec()) ?? []) as [Error | null, string | null][];
    const pipe = redis.pipeline();
    chunk.forEach((id, j) => {
      const text = backups[j]?.[1];
      if (!text) return;
      const key = `manga:session:${id}:turns`;
      pipe.del(key).rpush(key, ...(JSON.parse(text) as unknown[]).map((t) => JSON.stringify(t))).pexpire(key, 1_800_000);
      restored++;
    });
    await pipe.exec();
  }
  return restored;
}

export async function benchFleetFix(): Promise<BenchRow[]> {
  const server = await new RedisProcess().start();
  const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const config = configSchema.parse({ redis: { url: server.url, pipelineSize: PIPELINE }, stateDir, auditPath: join(stateDir, 'audit.jsonl') });
  const fleet = async () => {
    const r = await runFleetFix(actionEnvFrom({ config, redis }), {
      selector: { kind: 'action', action: 'restore-backup' },
      since: 0,
      command: 'bench',
      approve: async () => 'approved',
      audit: new AuditLog(config.auditPath!),
      actor: async () => ({ osUser: 'bench', host: 'bench' }),
      stateDir,
      target: `bench-${Date.now()}`,
      // As `fix fleet --yes`: each chunk applied as soon as it is planned.
      preApproved: true,
    });
    if (r.outcomes.applied !== SESSIONS) throw new Error(`fleet fix applied ${r.outcomes.applied} of ${SESSIONS}: ${JSON.stringify(r.error ?? r.failures[0])}`);
  };
  const timed = async (work: () => Promise<unknown>) => {
    await writeCorrupt(redis);
    const start = performance.now();
    await work();
    return performance.now() - start;
  };
  try {
    // Warm both paths (JIT, connection, server allocations), then alternate them and keep
    // each one's best round: on a shared machine a neighbour's burst lands on one round only.
    await timed(fleet);
    await timed(() => bareRestore(redis));
    let fleetMs = Infinity;
    let bareMs = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      fleetMs = Math.min(fleetMs, await timed(fleet));
      bareMs = Math.min(bareMs, await timed(() => bareRestore(redis)));
    }
    const load = `${SESSIONS} sessions of ${TURNS} turns, truncated last entry, good backup; pipelineSize ${PIPELINE}; best of ${ROUNDS} alternating rounds`;
    return [
      { name: 'fleet fix (restore-backup)', value: Math.round(SESSIONS / (fleetMs / 1000)), unit: 'sessions/s', note: `${load}; plan, quarantine, precondition, read-back, audit, journal; chunks of <= 200, reads on a second connection` },
      { name: 'bare pipelined restore', value: Math.round(SESSIONS / (bareMs / 1000)), unit: 'sessions/s', note: `GET backup, DEL, RPUSH, PEXPIRE; pipelines of ${PIPELINE}, one connection; no check, no copy, no record` },
      { name: 'fleet fix / bare restore time', value: Number((fleetMs / bareMs).toFixed(2)), unit: 'x', note: 'target <= 3' },
    ];
  } finally {
    await redis.quit().catch(() => redis.disconnect());
    await server.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
