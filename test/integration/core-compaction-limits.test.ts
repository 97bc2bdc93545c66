import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionId } from '../../src/core/session-id.js';
import { SessionSizeManager } from '../../src/core/size/compaction.js';
import { itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from '../../src/core/size/item-size.js';
import type { SessionItem } from '../../src/core/size/session-item.js';
import { bilingualTurns, jsonStringifyBytes, pythonJsonDumpsBytes, ratingRowsSession } from '../unit/item-size-fixtures.js';
import { BUCKET, startCompactionEnv, TABLE, type CompactionEnv } from './core-compaction-env.js';

let env: CompactionEnv;
let clock = 1_700_200_000_000;
const now = () => (clock += 1000);

beforeAll(async () => {
  env = await startCompactionEnv();
});
afterAll(async () => {
  await env?.stop();
});

const manager = () => new SessionSizeManager({ ddb: env.doc, s3: env.s3, table: TABLE, bucket: BUCKET, now });
const put = (item: Record<string, unknown>) => env.doc.send(new PutCommand({ TableName: TABLE, Item: item }));
const nameOf = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e as { name?: string }).name);

async function readItem(id: string): Promise<SessionItem> {
  const out = await env.doc.send(new GetCommand({ TableName: TABLE, Key: { session_id: id }, ConsistentRead: true }));
  return out.Item as SessionItem;
}

describe('the 400 KB limit against a real emulator', () => {
  it('on ASCII, dynalite accepts exactly MAX_ITEM_BYTES by our count and rejects one byte more', async () => {
    const base = itemSizeBytes({ session_id: 'edge', pad: '' });
    const exact = { session_id: 'edge', pad: 'x'.repeat(MAX_ITEM_BYTES - base) };
    expect(itemSizeBytes(exact)).toBe(MAX_ITEM_BYTES);
    expect(await nameOf(put(exact))).toBe('accepted');
    expect(await nameOf(put({ ...exact, pad: `${exact.pad}x` }))).toBe('ValidationException');
  });

  it('the session the JSON estimates let through is over the limit: dynalite rejects it, the size guard compacts it', async () => {
    const session = ratingRowsSession({ turns: 160, rowsPerToolCall: 700, id: 'rows-160' });
    expect(pythonJsonDumpsBytes(session)).toBeLessThan(380_000);
    expect(jsonStringifyBytes(session)).toBeLessThan(MAX_ITEM_BYTES);
    expect(itemSizeBytes(session)).toBeGreaterThan(MAX_ITEM_BYTES);
    // What the seed did (a plain put) fails, here as in DynamoDB, since the text is ASCII.
    expect(await nameOf(put(session))).toBe('ValidationException');

    const id = parseSessionId('rows-160');
    const { version: _read, ...fresh } = session;
    const saved = await manager().saveSessionWithSizeGuard(id, fresh);
    expect(saved).toMatchObject({ action: 'compact', version: 1 });
    expect(itemSizeBytes(await readItem(id))).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    expect((await manager().loadFullSession(id)).turns).toEqual(session.turns);
  });

  it('a Japanese session dynalite accepts (it counts UTF-16 units) is over 400 KB by DynamoDB rules, and the guard compacts it', async () => {
    const id = parseSessionId('ja-160');
    const turns = bilingualTurns(160, { productsPerResult: 28 });
    const item = { session_id: id, turns, version: 1 };
    const utf8 = itemSizeBytes(item);
    expect(utf8).toBeGreaterThan(MAX_ITEM_BYTES);
    expect(await nameOf(put(item))).toBe('accepted');

    const saved = await manager().saveSessionWithSizeGuard(id, item);
    expect(saved).toMatchObject({ action: 'compact', version: 2 });
    expect(saved.bytes).toBeLessThan(utf8 / 10);
    const stored = await readItem(id);
    expect(itemSizeBytes(stored)).toBe(saved.bytes);
    expect(stored).toMatchObject({ turn_count: 160, compacted_turn_count: 150 });
    expect((await manager().loadFullSession(id)).turns).toEqual(turns);
  });

  it('refuses, writing nothing, when the attributes besides the turns already exceed the limit', async () => {
    const id = parseSessionId('too-large');
    const session = { turns: bilingualTurns(20), notes: 'n'.repeat(SAFE_ITEM_BYTES) };
    await expect(manager().saveSessionWithSizeGuard(id, session)).rejects.toMatchObject({ code: 'ITEM_TOO_LARGE' });
    expect(await readItem(id)).toBeUndefined();
    expect(await env.snapshotKeys(id)).toEqual([]);
  });
});
