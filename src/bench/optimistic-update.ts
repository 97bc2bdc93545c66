import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { WriteConflictError } from '../core/errors.js';
import { sessionKeys, type KeyLayout } from '../core/keys.js';
import { SessionStateStore } from '../core/locking/session-state.js';
import { parseSessionId } from '../core/session-id.js';
import type { BenchRow } from './types.js';

type Json = Record<string, unknown>;

/** Counts what the seed's algorithm did, for the side-by-side report. */
export interface SeedUpdateStats {
  watchConflicts: number;
  lastWriterWinsFallbacks: number;
}

/**
 * A faithful TypeScript port of the seed's `DistributedSessionLock.update_with_lock`
 * (scenario 5), kept only as the baseline that the bench and the tests measure ours against.
 * Do not use it: after 3 WATCH conflicts it "falls back to last-writer-wins" with a plain
 * GET, update, SETEX, which is the very lost update the runbook was written to prevent.
 * Like redis-py's `pipeline().watch()`, it expects a connection of its own (`redis`).
 */
export async function seedUpdateWithLock(
  redis: Redis,
  key: string,
  updateFn: (current: Json) => Json | Promise<Json>,
  stats: SeedUpdateStats = { watchConflicts: 0, lastWriterWinsFallbacks: 0 },
): Promise<Json> {
  const MAX_RETRIES = 3;
  const BASE_BACKOFF_MS = 50;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    await redis.watch(key);
    const raw = await redis.get(key);
    const current = raw ? (JSON.parse(raw) as Json) : {};
    const updated = await updateFn(current);
    const replies = await redis.multi().setex(key, 1800, JSON.stringify(updated)).exec();
    if (replies !== null) return updated;
    stats.watchConflicts++;
    await new Promise((r) => setTimeout(r, BASE_BACKOFF_MS * 2 ** attempt));
  }
  // "Fallback: just write (last-writer-wins is better than failing)"
  stats.lastWriterWinsFallbacks++;
  const raw = await redis.get(key);
  const current = raw ? (JSON.parse(raw) as Json) : {};
  const updated = await updateFn(current);
  await redis.setex(key, 1800, JSON.stringify(updated));
  return updated;
}

/**
 * The update both algorithms run: increment a counter, with a yield to the event loop
 * between the read and the write, as an agent's work puts one there in the real system.
 */
export async function incrementCounter(current: Json | null): Promise<Json> {
  await yieldToEventLoop();
  const counter = typeof current?.counter === 'number' ? current.counter : 0;
  return { ...current, counter: counter + 1 };
}

const WRITERS = 50;
const INCREMENTS_PER_WRITER = 20;
const EXPECTED = WRITERS * INCREMENTS_PER_WRITER;

async function counterOf(redis: Redis, key: string): Promise<number> {
  const raw = await redis.get(key);
  const counter = raw ? (JSON.parse(raw) as Json).counter : 0;
  return typeof counter === 'number' ? counter : 0;
}

/**
 * 50 concurrent writers x 20 increments of one session's state counter, once with our
 * optimistic update ({@link SessionStateStore.update}) and once with the seed's algorithm,
 * each writer on its own connection: throughput and lost updates side by side.
 */
export async function benchOptimisticUpdate(redisUrl: string): Promise<BenchRow[]> {
  const base = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  base.on('error', () => undefined);
  const layout: KeyLayout = { prefix: `bench-${randomBytes(4).toString('hex')}`, hashTags: false };
  const oursKey = sessionKeys(layout, parseSessionId('ours')).state;
  const seedKey = sessionKeys(layout, parseSessionId('seed')).state;
  const store = new SessionStateStore(base, { layout, maxConnections: WRITERS, maxAttempts: 200, baseBackoffMs: 2, maxBackoffMs: 100 });
  const seedConns = Array.from({ length: WRITERS }, () => base.duplicate().on('error', () => undefined));
  try {
    let retries = 0;
    let gaveUp = 0;
    const oursId = parseSessionId('ours');
    const oursStart = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < INCREMENTS_PER_WRITER; i++) {
          try {
            const { attempts } = await store.update(oursId, incrementCounter);
            retries += attempts - 1; // read after the await: `x += await f()` would read x before it
          } catch (err) {
            if (!(err instanceof WriteConflictError)) throw err;
            gaveUp++;
          }
        }
      }),
    );
    const oursSeconds = (performance.now() - oursStart) / 1000;
    const oursLost = EXPECTED - gaveUp - (await counterOf(base, oursKey));

    const stats: SeedUpdateStats = { watchConflicts: 0, lastWriterWinsFallbacks: 0 };
    const seedStart = performance.now();
    await Promise.all(
      seedConns.map(async (conn) => {
        for (let i = 0; i < INCREMENTS_PER_WRITER; i++) await seedUpdateWithLock(conn, seedKey, incrementCounter, stats);
      }),
    );
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const seedLost = EXPECTED - (await counterOf(base, seedKey));

    const load = `${WRITERS} writers x ${INCREMENTS_PER_WRITER} increments, one session, one connection per writer`;
    return [
      { name: 'optimistic-update ours: throughput', value: (EXPECTED - gaveUp) / oursSeconds, unit: 'updates/s', note: load },
      { name: 'optimistic-update ours: lost updates', value: oursLost, unit: 'updates', note: `of ${EXPECTED}; must be 0` },
      { name: 'optimistic-update ours: gave up (WriteConflictError)', value: gaveUp, unit: 'updates', note: 'reported to the caller, nothing overwritten' },
      { name: 'optimistic-update ours: WATCH conflict retries', value: retries, unit: 'retries', note: 'full-jitter exponential backoff' },
      { name: 'optimistic-update seed: throughput', value: EXPECTED / seedSeconds, unit: 'updates/s', note: `${load}; counts lost updates as done` },
      { name: 'optimistic-update seed: lost updates', value: seedLost, unit: 'updates', note: `of ${EXPECTED}; lost by the last-writer-wins fallback` },
      { name: 'optimistic-update seed: last-writer-wins fallbacks', value: stats.lastWriterWinsFallbacks, unit: 'updates', note: `after ${stats.watchConflicts} WATCH conflicts` },
    ];
  } finally {
    await base.del(oursKey, seedKey).catch(() => 0);
    await store.close();
    await Promise.all([...seedConns, base].map((c) => c.quit().catch(() => c.disconnect())));
  }
}
