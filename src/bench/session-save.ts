import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sessionKeys, SESSION_TTL_SECONDS, type KeyLayout } from '../core/keys.js';
import { parseSessionId, type SessionId } from '../core/session-id.js';
import { SessionStore } from '../core/sessions/index.js';
import type { Turn } from '../core/turn.js';
import type { BenchRow } from './types.js';

const TURNS_PER_SESSION = 20;
const SESSIONS = 64;
const SAVES_PER_MODE = 3000;
const IN_FLIGHT = 16;

function sampleTurns(): Turn[] {
  return Array.from({ length: TURNS_PER_SESSION }, (_, i) =>
    i % 2 === 0
      ? { role: 'user', content: `進撃の巨人の最終巻はいつ発売ですか? 在庫はありますか? (${i})`, ts: 1_700_000_000_000 + i }
      : { role: 'assistant', content: `進撃の巨人 34巻は在庫があります。価格は 528 円です。(${i})`, agent_name: 'ProductSearchAgent', ts: 1_700_000_000_000 + i },
  );
}

/** Runs `total` saves, `IN_FLIGHT` at a time, round-robin over the session ids: saves per second. */
async function savesPerSecond(ids: readonly SessionId[], total: number, save: (id: SessionId) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let n = next++; n < total; n = next++) await save(ids[n % ids.length] as SessionId);
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/**
 * Saves/s of the session save with backup ({@link SessionStore.save}: one MULTI/EXEC of SET
 * backup, DEL, RPUSH, PEXPIRE, plus turn validation) against a plain save of the same turns
 * (DEL, RPUSH, EXPIRE pipelined without MULTI and without backup: the write path whose
 * partial application the runbook describes). Same run, same connection, same load; the
 * ratio is the price of atomicity plus the backup copy.
 */
export async function benchSessionSave(redisUrl: string): Promise<BenchRow[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const layout: KeyLayout = { prefix: `bench-${randomBytes(4).toString('hex')}`, hashTags: false };
  const store = new SessionStore({ redis, layout });
  const ids = Array.from({ length: SESSIONS }, (_, i) => parseSessionId(`bench-save-${i}`));
  const turns = sampleTurns();
  const encoded = turns.map((t) => JSON.stringify(t));
  const plainSave = (id: SessionId) => {
    const key = sessionKeys(layout, id).turns;
    return redis.pipeline().del(key).rpush(key, ...encoded).expire(key, SESSION_TTL_SECONDS).exec();
  };
  const withBackup = (id: SessionId) => store.save(id, turns);
  try {
    // Warm both paths (connection, JIT, server allocations) before measuring either.
    await savesPerSecond(ids, SESSIONS * 2, withBackup);
    await savesPerSecond(ids, SESSIONS * 2, plainSave);
    const plain = await savesPerSecond(ids, SAVES_PER_MODE, plainSave);
    const atomic = await savesPerSecond(ids, SAVES_PER_MODE, withBackup);
    const load = `${SAVES_PER_MODE} saves of ${TURNS_PER_SESSION} turns, ${IN_FLIGHT} in flight, ${SESSIONS} sessions, one connection`;
    return [
      { name: 'session-save with backup (MULTI/EXEC)', value: atomic, unit: 'saves/s', note: load },
      { name: 'session-save plain RPUSH (no MULTI, no backup)', value: plain, unit: 'saves/s', note: load },
      { name: 'session-save with backup / plain', value: atomic / plain, unit: 'ratio', note: 'below 1: the cost of the transaction and the backup copy' },
    ];
  } finally {
    const keys = ids.flatMap((id) => [sessionKeys(layout, id).turns, sessionKeys(layout, id).backup]);
    await redis.del(...keys).catch(() => 0);
    await redis.quit().catch(() => redis.disconnect());
  }
}
