/**
 * Shared fixtures of the core-sessions*.test.ts files: turn factories, raw seeding (bytes,
 * wrong types, no TTL) and a full byte-level picture of a Redis database, so a test can
 * prove exactly which keys changed.
 */
import type { Redis } from 'ioredis';
import type { KeyLayout } from '../../src/core/keys.js';
import type { Turn } from '../../src/core/turn.js';

let layoutCounter = 0;

/** A key prefix of its own for each test, so tests sharing one redis-server never collide. */
export function freshLayout(hashTags = false): KeyLayout {
  layoutCounter += 1;
  return { prefix: `t${layoutCounter}x${process.pid}`, hashTags };
}

export function turn(i: number, extra: Partial<Turn> = {}): Turn {
  return i % 2 === 0
    ? { role: 'user', content: `おすすめの漫画は? #${i}`, ts: 1_700_000_000_000 + i, ...extra }
    : { role: 'assistant', content: `ワンピース vol.${i}`, agent_name: 'ProductSearchAgent', ts: 1_700_000_000_000 + i, ...extra };
}

export function turns(n: number): Turn[] {
  return Array.from({ length: n }, (_, i) => turn(i));
}

export const enc = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** Entries that parse as JSON or not, but are not turns: one per way of being corrupt. */
export const CORRUPT = {
  truncated: Buffer.from('{"role": "assistant", "content": "ナルト全巻セッ', 'utf8'),
  binary: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b, 0x22]),
  number: Buffer.from('42'),
  array: Buffer.from('[]'),
  wrongRole: enc({ role: 'robot', content: 'x', ts: 1 }),
  noTs: enc({ role: 'user', content: 'x' }),
  nullValue: Buffer.from('null'),
};

/** Pushes raw entries in batches (a 100,000-entry list must not be spread into one call). */
export async function pushRaw(redis: Redis, key: string, entries: readonly Buffer[], batch = 1000): Promise<void> {
  for (let i = 0; i < entries.length; i += batch) await redis.rpush(key, ...entries.slice(i, i + batch));
}

/** One key as DUMP bytes plus PTTL: what "untouched" means. */
export interface KeyPicture {
  dump: string;
  persistent: boolean;
}

/** Every key of the database (SCAN), with its DUMP payload (hex) and whether it has a TTL. */
export async function pictureOfAllKeys(redis: Redis): Promise<Map<string, KeyPicture>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const picture = new Map<string, KeyPicture>();
  for (const key of keys.sort()) {
    const [dump, ttl] = await Promise.all([redis.dumpBuffer(key), redis.pttl(key)]);
    if (dump) picture.set(key, { dump: dump.toString('hex'), persistent: ttl === -1 });
  }
  return picture;
}

/** Only the keys that start with one of `prefixes`. */
export function only(picture: Map<string, KeyPicture>, prefixes: string[]): Map<string, KeyPicture> {
  return new Map([...picture].filter(([key]) => prefixes.some((p) => key.startsWith(p))));
}

/**
 * Index of the first entry where two byte lists differ (-1 when equal). A deep `toEqual` on
 * 100,000 Buffers takes minutes; this takes milliseconds and still names the culprit.
 */
export function firstDifference(a: readonly Buffer[], b: readonly Buffer[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || !x.equals(y)) return i;
  }
  return -1;
}
