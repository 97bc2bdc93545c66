/**
 * Writes session images to the lab's Redis: one pipeline per batch of sessions (never a
 * round trip per key), raw bytes kept as bytes, TTLs as PEXPIRE / SET PX, and no expiry at
 * all where the image says so (a scenario's missing TTL or orphaned lock).
 */
import type { Redis } from 'ioredis';
import { sessionKeys, type KeyLayout } from '../../../core/keys.js';
import { parseSessionId } from '../../../core/session-id.js';
import type { SessionImage } from '../model.js';

export const REDIS_SESSIONS_PER_PIPELINE = 500;

/** Empties the lab's Redis database: the lab owns it (lab up refuses a non-loopback Redis). */
export async function flushLabRedis(redis: Redis): Promise<void> {
  await redis.flushdb();
}

/** Writes every key of `sessions`; returns how many keys were written. Throws the first command error. */
export async function writeSessionsToRedis(redis: Redis, layout: KeyLayout, sessions: readonly SessionImage[]): Promise<number> {
  let keys = 0;
  for (let i = 0; i < sessions.length; i += REDIS_SESSIONS_PER_PIPELINE) {
    const pipe = redis.pipeline();
    for (const s of sessions.slice(i, i + REDIS_SESSIONS_PER_PIPELINE)) {
      const names = sessionKeys(layout, parseSessionId(s.id));
      for (const k of s.redis) {
        const key = names[k.kind];
        if (k.type === 'list') {
          pipe.del(key);
          if (k.entries.length > 0) pipe.rpush(key, ...k.entries);
          if (k.ttlMs !== null) pipe.pexpire(key, k.ttlMs);
        } else if (k.ttlMs !== null) {
          pipe.set(key, k.value, 'PX', k.ttlMs);
        } else {
          pipe.set(key, k.value);
        }
        keys++;
      }
    }
    const replies = (await pipe.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
  return keys;
}
