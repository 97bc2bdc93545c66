/**
 * Session-id safety: raw ids go through parseSessionId before the store sees them, so an id
 * like "*" or "{x}" never reaches SCAN, DEL or a key builder, and an operation on one
 * session never touches another session's keys, however similar their names.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.js';
import { sessionKeys } from '../../src/core/keys.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';
import { CORRUPT, enc, freshLayout, pictureOfAllKeys, pushRaw, turn, turns, type KeyPicture } from './core-sessions-fixtures.js';

let services: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;

beforeAll(async () => {
  services = await startRedis();
  redis = services.client();
});
afterAll(async () => services?.stop());

/** How a CLI command or the orchestrator calls the core: the raw string is parsed first. */
function api(store: SessionStore) {
  return {
    load: (raw: string) => store.load(parseSessionId(raw)),
    inspect: (raw: string) => store.inspect(parseSessionId(raw)),
    save: (raw: string) => store.save(parseSessionId(raw), turns(2)),
    restoreFromBackup: (raw: string) => store.restoreFromBackup(parseSessionId(raw)),
    partialRecover: (raw: string) => store.partialRecover(parseSessionId(raw)),
    cleanSlate: (raw: string) => store.cleanSlate(parseSessionId(raw)),
    listQuarantine: (raw: string) => store.listQuarantine(parseSessionId(raw)),
  };
}
type Entry = keyof ReturnType<typeof api>;
const ENTRIES: Entry[] = ['load', 'inspect', 'save', 'restoreFromBackup', 'partialRecover', 'cleanSlate', 'listQuarantine'];

/** Neighbours whose names a glob, a prefix match or a brace would catch. */
const NEIGHBOURS = ['x', 'xy', 'x1', 'x:1', 'x.y', 'ax', 'X', 'x-backup'];

async function seedNeighbours(store: SessionStore): Promise<void> {
  for (const [i, raw] of NEIGHBOURS.entries()) {
    const keys = store.keys(parseSessionId(raw));
    // Every kind of key, some damaged, so each neighbour would be a target of every repair.
    await pushRaw(redis, keys.turns, [enc(turn(i)), CORRUPT.truncated]);
    await redis.set(keys.backup, JSON.stringify(turns(2)), 'EX', 900);
    await redis.set(keys.state, `{"version":${i}}`, 'EX', 900);
    await redis.rpush(keys.routes, '{"agent":"A","confidence":0.9,"at":1}');
    await redis.set(keys.pin, 'A');
    await redis.set(keys.lock, `token-${i}`, 'PX', 60_000);
  }
  // Keys named as if an unparsed id had been used: a store that built keys from raw input would hit these.
  for (const raw of ['*', 'x*', '{x}', 'x?', '[x]']) {
    await redis.set(`${store.layout.prefix}:session:${raw}:pin`, 'bait');
  }
}

function withoutSession(picture: Map<string, KeyPicture>, prefix: string, raw: string): Map<string, KeyPicture> {
  const own = new Set([...Object.values(sessionKeys({ prefix, hashTags: false }, parseSessionId(raw)))]);
  return new Map([...picture].filter(([key]) => !own.has(key) && !key.startsWith(`${prefix}:quarantine:${raw}:`)));
}

describe('raw ids are parsed before any store is touched', () => {
  const INVALID = ['*', 'a*', '{x}', 'a b', 'a\n', 'a'.repeat(200), '', '?', '[a]', 'x*', '[x]', 'x?'];

  for (const entry of ENTRIES) {
    it(`${entry}: every invalid id is rejected with INVALID_SESSION_ID and the database is unchanged`, async () => {
      const store = new SessionStore({ redis, layout: freshLayout() });
      await seedNeighbours(store);
      const before = await pictureOfAllKeys(redis);
      for (const raw of INVALID) {
        const err = await Promise.resolve()
          .then((): Promise<unknown> => api(store)[entry](raw))
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err, JSON.stringify(raw)).toBeInstanceOf(CoreError);
        expect((err as CoreError).code).toBe('INVALID_SESSION_ID');
      }
      expect(await pictureOfAllKeys(redis)).toEqual(before);
    });
  }
});

describe('an operation on one session leaves every other key as it was (DUMP before/after)', () => {
  for (const entry of ENTRIES) {
    for (const target of ['x', 'x:1']) {
      it(`${entry}("${target}")`, async () => {
        const layout = freshLayout();
        const store = new SessionStore({ redis, layout });
        await seedNeighbours(store);
        const before = withoutSession(await pictureOfAllKeys(redis), layout.prefix, target);
        await api(store)[entry](target).catch((err: unknown) => {
          // A refused precondition is fine here (e.g. restore after the data was repaired); a crash is not.
          if (!(err instanceof CoreError && err.code === 'PRECONDITION_FAILED')) throw err;
        });
        const after = withoutSession(await pictureOfAllKeys(redis), layout.prefix, target);
        expect(after).toEqual(before);
      });
    }
  }

  it('the target session itself did change (the comparison above is not vacuous)', async () => {
    const layout = freshLayout();
    const store = new SessionStore({ redis, layout });
    await seedNeighbours(store);
    const before = await pictureOfAllKeys(redis);
    await api(store).cleanSlate('x');
    const after = await pictureOfAllKeys(redis);
    const changed = [...before.keys()].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
    expect(changed.sort()).toEqual(
      [`${layout.prefix}:session:x:turns`, `${layout.prefix}:session:x:backup`, `${layout.prefix}:session:x:state`, `${layout.prefix}:session:x:routes`, `${layout.prefix}:session:x:pin`].sort(),
    );
    expect(await redis.get(`${layout.prefix}:session:x:lock`)).toBe('token-0');
  });
});
