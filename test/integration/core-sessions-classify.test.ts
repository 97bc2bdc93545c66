/**
 * The read-only side: classifyRawSession on hand-built raw data (pure), the pipeline helper
 * the fleet scanner uses (many sessions, one round trip) agreeing with SessionStore.inspect,
 * and inspect writing nothing.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKeys } from '../../src/core/keys.js';
import {
  addRawSessionReads,
  classifyRawSession,
  RAW_SESSION_REPLY_COUNT,
  rawSessionFromReplies,
  SessionStore,
  type RawSession,
  type SessionClassification,
} from '../../src/core/sessions/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';
import { CORRUPT, enc, freshLayout, pictureOfAllKeys, pushRaw, turn, turns } from './core-sessions-fixtures.js';

let services: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;

beforeAll(async () => {
  services = await startRedis();
  redis = services.client();
});
afterAll(async () => services?.stop());

function raw(over: { entries?: Buffer[]; turnsType?: string; backup?: Buffer | null; backupType?: string; ttl?: number; backupTtl?: number }): RawSession {
  const entries = over.entries ?? [];
  const turnsType = over.turnsType ?? (entries.length ? 'list' : 'none');
  const backupType = over.backupType ?? (over.backup ? 'string' : 'none');
  return {
    sessionId: 's',
    turns: { key: 'k:turns', type: turnsType, ttlMs: over.ttl ?? (turnsType === 'none' ? -2 : 1000), length: entries.length, entries },
    backup: { key: 'k:backup', type: backupType, ttlMs: over.backupTtl ?? (backupType === 'none' ? -2 : 1000), value: over.backup ?? null },
  };
}

const good = turns(3).map(enc);
const backupOf = (n: number) => Buffer.from(JSON.stringify(turns(n)));

describe('classifyRawSession (pure)', () => {
  const cases: Array<[string, RawSession, string, string | null]> = [
    ['all entries valid', raw({ entries: good }), 'healthy', null],
    ['valid entries, corrupt backup (primary is the truth)', raw({ entries: good, backup: Buffer.from('[{') }), 'healthy', null],
    ['nothing at all', raw({}), 'empty', null],
    ['only a "[]" backup', raw({ backup: Buffer.from('[]') }), 'empty', null],
    ['list missing, backup with turns', raw({ backup: backupOf(2) }), 'corrupt_restorable_from_backup', 'restore-backup'],
    ['list missing, corrupt backup', raw({ backup: Buffer.from('nope') }), 'corrupt_unrecoverable', 'clean-slate'],
    ['list missing, backup of the wrong type', raw({ backupType: 'list' }), 'wrong_type', 'clean-slate'],
    ['a bad entry, complete backup', raw({ entries: [...good, CORRUPT.truncated], backup: backupOf(3) }), 'corrupt_restorable_from_backup', 'restore-backup'],
    ['a bad entry, stale backup', raw({ entries: [...good, CORRUPT.truncated], backup: backupOf(1) }), 'corrupt_partially_recoverable', 'partial-recover'],
    ['a bad entry, backup whose elements are not turns', raw({ entries: [...good, CORRUPT.binary], backup: Buffer.from('[1,2,3,4]') }), 'corrupt_partially_recoverable', 'partial-recover'],
    ['only bad entries, no backup', raw({ entries: [CORRUPT.binary, CORRUPT.number] }), 'corrupt_unrecoverable', 'clean-slate'],
    ['only bad entries, backup with turns', raw({ entries: [CORRUPT.binary], backup: backupOf(1) }), 'corrupt_restorable_from_backup', 'restore-backup'],
    ['a hash where the list belongs, good backup', raw({ turnsType: 'hash', backup: backupOf(2) }), 'wrong_type', 'restore-backup'],
    ['a string where the list belongs, no backup', raw({ turnsType: 'string' }), 'wrong_type', 'clean-slate'],
  ];
  for (const [what, input, status, action] of cases) {
    it(`${what}: ${status}`, () => {
      const c = classifyRawSession(input);
      expect(c.status).toBe(status);
      expect(c.recommendedAction).toBe(action);
      expect(c.summary.length).toBeGreaterThan(0);
    });
  }

  it('counts each problem, lists the first invalid indexes, and reports missing TTLs', () => {
    const entries = [CORRUPT.binary, enc(turn(0)), CORRUPT.truncated, CORRUPT.wrongRole, ...Array.from({ length: 30 }, () => CORRUPT.number)];
    const c = classifyRawSession(raw({ entries, ttl: -1, backup: Buffer.from([0xff]), backupTtl: -1 }));
    expect(c.primary).toMatchObject({ entries: 34, examined: 34, valid: 1, invalid: 33, problems: { not_utf8: 1, invalid_json: 1, not_a_turn: 31 } });
    expect(c.primary.invalidIndexes).toHaveLength(20);
    expect(c.primary.invalidIndexes.slice(0, 3)).toEqual([0, 2, 3]);
    expect(c.backup.health).toBe('not_utf8');
    expect(c.missingTtl).toEqual(['turns', 'backup']);
    expect(c.complete).toBe(true);
  });

  it('holds no message content (safe to print without masking)', () => {
    const secret = 'my address is 1-2-3 Shibuya';
    const c = classifyRawSession(raw({ entries: [enc(turn(0, { content: secret })), CORRUPT.truncated], backup: Buffer.from(JSON.stringify([turn(0, { content: secret })])) }));
    expect(JSON.stringify(c)).not.toContain('Shibuya');
  });

  it('accepts Python-style turns with null optional fields', () => {
    const python = Buffer.from('{"role": "user", "content": "hi", "agent_name": null, "tool_calls": null, "ts": 1.5e12}');
    expect(classifyRawSession(raw({ entries: [python] })).status).toBe('healthy');
  });
});

describe('the scanner\'s pipeline helper and inspect', () => {
  it('one pipeline for many sessions classifies each exactly as inspect does', async () => {
    const layout = freshLayout();
    const store = new SessionStore({ redis, layout });
    const ids = ['healthy', 'restorable', 'partial', 'gone', 'hash', 'empty'].map((s) => parseSessionId(s));
    const k = (i: number) => sessionKeys(layout, ids[i]!);
    await store.save(ids[0]!, turns(3));
    await pushRaw(redis, k(1).turns, [enc(turn(0)), CORRUPT.truncated]);
    await redis.set(k(1).backup, JSON.stringify(turns(2)));
    await pushRaw(redis, k(2).turns, [enc(turn(0)), CORRUPT.binary]);
    await pushRaw(redis, k(3).turns, [CORRUPT.number]);
    await redis.hset(k(4).turns, 'a', 'b');

    const pipeline = redis.pipeline();
    for (const sid of ids) addRawSessionReads(pipeline, layout, sid);
    const replies = (await pipeline.exec())!;
    expect(replies).toHaveLength(ids.length * RAW_SESSION_REPLY_COUNT);
    const statuses = ids.map((sid, i) =>
      classifyRawSession(rawSessionFromReplies(layout, sid, replies.slice(i * RAW_SESSION_REPLY_COUNT, (i + 1) * RAW_SESSION_REPLY_COUNT))),
    );
    expect(statuses.map((c) => c.status)).toEqual([
      'healthy',
      'corrupt_restorable_from_backup',
      'corrupt_partially_recoverable',
      'corrupt_unrecoverable',
      'wrong_type',
      'empty',
    ]);
    // TTLs tick between the two reads; everything else must agree.
    const timeless = (c: SessionClassification) => ({ ...c, primary: { ...c.primary, ttlMs: 0 }, backup: { ...c.backup, ttlMs: 0 } });
    for (const [i, sid] of ids.entries()) expect(timeless(statuses[i]!)).toEqual(timeless((await store.inspect(sid)).classification));
    expect(statuses[1]!.missingTtl).toEqual(['turns', 'backup']);
  });

  it('a capped read says it is incomplete, and counts only what it examined', async () => {
    const layout = freshLayout();
    const sid = parseSessionId('long');
    await pushRaw(redis, sessionKeys(layout, sid).turns, [...turns(50).map(enc), CORRUPT.truncated]);
    const replies = (await addRawSessionReads(redis.pipeline(), layout, sid, { maxEntries: 10 }).exec())!;
    const c = classifyRawSession(rawSessionFromReplies(layout, sid, replies));
    expect(c).toMatchObject({ status: 'healthy', complete: false });
    expect(c.primary).toMatchObject({ entries: 51, examined: 10 });
    const full = await new SessionStore({ redis, layout }).inspect(sid);
    expect(full.classification).toMatchObject({ status: 'corrupt_partially_recoverable', complete: true });
  });

  it('inspect writes nothing, on any kind of session', async () => {
    const layout = freshLayout();
    const store = new SessionStore({ redis, layout });
    const keys = sessionKeys(layout, parseSessionId('s1'));
    await pushRaw(redis, keys.turns, [enc(turn(0)), CORRUPT.binary]);
    await redis.set(keys.backup, '[{"role":');
    const before = await pictureOfAllKeys(redis);
    for (const raw of ['s1', 'missing']) {
      const seen = await store.inspect(parseSessionId(raw));
      expect(seen.classification.sessionId).toBe(raw);
    }
    expect((await store.inspect(parseSessionId('s1'))).turns).toEqual([turn(0)]);
    expect(await pictureOfAllKeys(redis)).toEqual(before);
  });
});
