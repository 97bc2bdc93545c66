/**
 * The fleet's repair script (src/core/lua/applySessionRepair-7.lua) on a real redis-server:
 * the quarantine record it copies from the bytes it checked is the record the client-side
 * `buildQuarantineRecord` makes of the same pre-images (text that JSON escapes, and bytes that
 * are not UTF-8, which the client encodes in base64 itself); its read-back finds a key that
 * is not as written; and a bad argument is refused before anything is written.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_KEY_KINDS, sessionKeyKind, sessionKeys, sessionScanPatternFor, type KeyLayout } from '../../src/core/keys.js';
import { loadLuaScript } from '../../src/core/lua-scripts.js';
import { buildQuarantineRecord, parseQuarantineRecord, type QuarantineRecord } from '../../src/core/quarantine.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { applyRepairBatch, planRecoveryBatch, planRepairBatch, readKeySnapshots, sessionFingerprint, verifyRepairBatch, type BatchRepairPlan } from '../../src/core/sessions/index.js';
import { startRedis } from '../helpers/services.js';

const layout: KeyLayout = { prefix: 'rec', hashTags: false };
const opts = { layout, ttlSeconds: 1800, now: Date.now };
let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => redis?.stop());

const turn = (i: number, content: string) => JSON.stringify({ role: i % 2 ? 'assistant' : 'user', content, ts: 1_700_000_000_000 + i });

/** The record the client would have built of the plan's pre-images (TTLs as the plan read them). */
function clientRecord(plan: Extract<BatchRepairPlan, { status: 'planned' }>, stored: QuarantineRecord): QuarantineRecord {
  if (plan.decision.kind !== 'apply') throw new Error('not an apply');
  return buildQuarantineRecord({
    sessionId: plan.sessionId,
    at: stored.at,
    action: plan.repair.action,
    reason: plan.decision.reason,
    snapshots: plan.decision.writes.map((w) => plan.snapshots.get(w.key)!),
    ...(plan.decision.details ? { details: plan.decision.details } : {}),
  });
}

/** TTLs tick between the plan's read and the script: compare them within a margin, the rest exactly. */
function withoutTtls(r: QuarantineRecord) {
  return { ...r, keys: Object.fromEntries(Object.entries(r.keys).map(([k, q]) => [k, { ...q, ttlMs: q.ttlMs > 0 ? 'expiring' : q.ttlMs }])) };
}

describe('the quarantine record written by the repair script', () => {
  it.each([
    { name: 'UTF-8 text that JSON escapes (copied by the script)', byScript: true, entries: [turn(0, 'ワンピース "quoted" / slash \\ back\nnew\ttab \u0001 \u007f 😀 \u2028'), turn(1, 'ok'), '{"role":"assi\n\t\u0001\u007f/"\\ ワ'] },
    { name: 'bytes that are not UTF-8 (base64, built by the client)', byScript: false, entries: [turn(0, 'ワンピース'), turn(1, 'ok'), Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3])] },
  ])('$name: the same record as buildQuarantineRecord, and an exact undo source', async ({ entries, byScript }) => {
    const id = parseSessionId(`rec-${entries.length}-${Buffer.isBuffer(entries[2]) ? 'bin' : 'txt'}`);
    const keys = sessionKeys(layout, id);
    await client.del(keys.turns, keys.backup);
    await client.rpush(keys.turns, ...entries);
    await client.pexpire(keys.turns, 1_700_000);
    const [plan] = await planRepairBatch(client, [{ sessionId: id, repair: { action: 'partial-recover' } }], opts);
    expect(plan?.status).toBe('planned');
    const planned = plan as Extract<BatchRepairPlan, { status: 'planned' }>;
    const preImage = await readKeySnapshots(client, [keys.turns, keys.backup], { chunkSize: 1000 });

    const [result] = await applyRepairBatch(client, [planned], opts);
    expect(result?.status).toBe('applied');
    const qkey = (result as { quarantineKey: string }).quarantineKey;
    const raw = (await client.getBuffer(qkey))!;
    // Redis's cjson writes "/" as "\/", which JSON.stringify never does: who wrote the record shows.
    expect(raw.includes('\\/')).toBe(byScript);
    const stored = parseQuarantineRecord(raw);
    expect(withoutTtls(stored)).toEqual(withoutTtls(clientRecord(planned, stored)));
    // Every pre-image byte survives: the turns list as it was (binary garbage included) and the absent backup.
    expect(stored.keys[keys.turns]?.type).toBe('list');
    expect(stored.keys[keys.backup]).toEqual({ type: 'none', ttlMs: -2, value: null });
    expect((await client.pttl(qkey)) > 6 * 24 * 3600 * 1000).toBe(true);

    const [check] = await verifyRepairBatch(client, [planned], opts);
    expect(check).toEqual({ ok: true, mismatched: [], afterFingerprint: sessionFingerprint(await readKeySnapshots(client, [keys.turns, keys.backup], { chunkSize: 1000 }), [keys.turns, keys.backup]) });
    expect(preImage.get(keys.turns)?.form).toBe('list');
  });
});

describe('the read-back', () => {
  it('finds a written key that no longer holds what was written, or lost its expiry', async () => {
    const ids = ['rb-a', 'rb-b', 'rb-c'].map(parseSessionId);
    for (const id of ids) {
      const keys = sessionKeys(layout, id);
      await client.del(keys.turns, keys.backup);
      await client.rpush(keys.turns, turn(0, 'a'), turn(1, 'b'), '{"trunc');
      await client.set(keys.backup, `[${turn(0, 'a')},${turn(1, 'b')}]`, 'PX', 1_700_000);
    }
    const plans = await planRepairBatch(client, ids.map((sessionId) => ({ sessionId, repair: { action: 'restore-backup' } })), opts);
    expect((await applyRepairBatch(client, plans, opts)).map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    const [a, b, c] = ids.map((id) => sessionKeys(layout, id));
    await client.rpush(a!.turns, turn(2, 'appended since'));
    await client.persist(b!.backup);
    const checks = await verifyRepairBatch(client, plans, opts);
    expect(checks.map((x) => x.ok)).toEqual([false, false, true]);
    expect(checks[0]?.mismatched).toEqual([a!.turns]);
    expect(checks[1]?.mismatched).toEqual([b!.backup]);
    // The fingerprint an undo compares with is of the session as found.
    expect(checks[0]?.afterFingerprint).toBe(sessionFingerprint(await readKeySnapshots(client, [a!.turns, a!.backup], { chunkSize: 1000 }), [a!.turns, a!.backup]));
    expect(checks[2]?.afterFingerprint).toBe(sessionFingerprint(await readKeySnapshots(client, [c!.turns, c!.backup], { chunkSize: 1000 }), [c!.turns, c!.backup]));
  });
});

describe('bad arguments', () => {
  it('are refused before the record or any key is written', async () => {
    const id = parseSessionId('bad-args');
    const keys = sessionKeys(layout, id);
    await client.del(keys.turns);
    await client.rpush(keys.turns, 'x');
    const script = loadLuaScript('applySessionRepair-7');
    const qkey = `${layout.prefix}:quarantine:${id}:1`;
    const call = (writes: string[]) => client.eval(script.source, 7, qkey, keys.turns, keys.backup, keys.state, keys.routes, keys.pin, keys.lock, '{"schemaVersion":1}', 'head', '1000', '', '', '', '', '', '', ...writes);
    await expect(call(['2', 'del', '2', '0', '0', 'truncate', '2', '0', '0'])).rejects.toThrow(/unknown write op/);
    await expect(call(['1', 'del', '9', '0', '0'])).rejects.toThrow(/bad key index/);
    // A list's entries come packed in one value ("<byte length>:<bytes>" each), canonical lengths only.
    await expect(call(['1', 'list', '2', '0', '2', '1:a', '1:b'])).rejects.toThrow(/one packed value/);
    for (const packed of ['3:ab', '1:a2', 'x:a', '01:a', '1.0:a', '-1:'])
      await expect(call(['2', 'del', '3', '0', '0', 'list', '2', '0', '1', packed]), packed).rejects.toThrow(/malformed packed entries/);
    expect(await client.exists(qkey)).toBe(0);
    expect(await client.lrange(keys.turns, 0, -1)).toEqual(['x']);
  });
});

describe('the fleet\'s planning read, without TTLs', () => {
  it('a pre-image that is not UTF-8 gets its TTLs read before the record is built by the client', async () => {
    const id = parseSessionId('nottl-bin');
    const keys = sessionKeys(layout, id);
    await client.del(keys.turns, keys.backup);
    await client.rpush(keys.turns, turn(0, 'ワンピース'), turn(1, 'ok'), Buffer.from([0xff, 0xfe, 0x7b]));
    await client.pexpire(keys.turns, 1_700_000);
    await client.set(keys.backup, `[${turn(0, 'ワンピース')},${turn(1, 'ok')}]`, 'PX', 1_600_000);
    const { plans } = await planRecoveryBatch(client, [id], opts);
    const plan = plans[0] as Extract<BatchRepairPlan, { status: 'planned' }>;
    expect(plan.repair.action).toBe('restore-backup');
    // Planned without reading a TTL: nothing decided depends on one.
    expect(plan.snapshots.get(keys.turns)?.ttlMs).toBe(-3);
    const [result] = await applyRepairBatch(client, [plan], opts);
    expect(result?.status).toBe('applied');
    const stored = parseQuarantineRecord((await client.getBuffer((result as { quarantineKey: string }).quarantineKey))!);
    // Built by the client (base64), with the TTLs it read just before.
    expect(stored.keys[keys.turns]).toMatchObject({ type: 'list', encoding: 'base64' });
    expect(stored.keys[keys.turns]!.ttlMs).toBeGreaterThan(1_000_000);
    expect(stored.keys[keys.backup]!.ttlMs).toBeGreaterThan(1_000_000);
    expect(stored.keys[keys.backup]!.ttlMs).toBeLessThanOrEqual(1_600_000);
    expect(withoutTtls(stored)).toEqual(withoutTtls(clientRecord(plan, stored)));
  });

  it('the repair\'s own read-back is the session as it now is', async () => {
    const id = parseSessionId('readback-own');
    const keys = sessionKeys(layout, id);
    await client.del(keys.turns, keys.backup);
    await client.rpush(keys.turns, turn(0, 'a'), turn(1, 'ワ'), '{"trunc');
    await client.set(keys.backup, `[${turn(0, 'a')},${turn(1, 'ワ')}]`, 'PX', 1_700_000);
    const { plans } = await planRecoveryBatch(client, [id], opts);
    const [result] = await applyRepairBatch(client, plans, opts);
    expect(result?.status).toBe('applied');
    const { verification } = result as Extract<typeof result, { status: 'applied' }> & object;
    expect(verification.ok).toBe(true);
    expect(verification.afterFingerprint).toBe(sessionFingerprint(await readKeySnapshots(client, [keys.turns, keys.backup], { chunkSize: 1000 }), [keys.turns, keys.backup]));
    expect(await client.lrange(keys.turns, 0, -1)).toEqual([turn(0, 'a'), turn(1, 'ワ')]);
  });
});

describe('one SCAN pass for several kinds of session key', () => {
  it.each([
    { hashTags: false },
    { hashTags: true },
  ])('finds exactly the turns and backup keys (hash tags: $hashTags)', async ({ hashTags }) => {
    const scanLayout: KeyLayout = { prefix: `scan${hashTags ? 't' : 'p'}`, hashTags };
    // Ids that look like kinds, or hold colons, must not confuse the filter.
    const ids = ['a', 'turns', 'b:backup', 'tack', 'x:routes:1'].map(parseSessionId);
    const expected: string[] = [];
    for (const sid of ids) {
      const keys = sessionKeys(scanLayout, sid);
      for (const kind of SESSION_KEY_KINDS) {
        await client.set(keys[kind], 'v');
        if (kind === 'turns' || kind === 'backup') expected.push(keys[kind]);
      }
    }
    const pattern = sessionScanPatternFor(scanLayout, ['turns', 'backup']);
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const kind = sessionKeyKind(key);
        if (kind === 'turns' || kind === 'backup') found.push(key);
      }
    } while (cursor !== '0');
    expect(found.sort()).toEqual(expected.sort());
    expect(sessionScanPatternFor(scanLayout, ['lock'])).toBe(`${scanLayout.prefix}:session:*:lock`);
  });
});
