import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { SessionVersionConflictError } from '../../src/core/size/errors.js';
import { decodeSnapshot } from '../../src/core/size/history-codec.js';
import { itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from '../../src/core/size/item-size.js';
import { SessionSizeManager } from '../../src/core/size/compaction.js';
import type { SessionItem } from '../../src/core/size/session-item.js';
import { bilingualTurns } from '../unit/item-size-fixtures.js';
import { BUCKET, hookedClient, SimulatedCrash, startCompactionEnv, TABLE, type CompactionEnv } from './core-compaction-env.js';

let env: CompactionEnv;
let clock = 1_700_100_000_000;
const now = () => (clock += 1000);

beforeAll(async () => {
  env = await startCompactionEnv();
});
afterAll(async () => {
  await env?.stop();
});

function manager(ddb = env.doc) {
  return new SessionSizeManager({ ddb, s3: env.s3, table: TABLE, bucket: BUCKET, now });
}

/** A 160-turn Japanese/English session, 450 KB by DynamoDB's rules (dynalite, counting UTF-16 units, takes it). */
async function storeLongSession(name: string, extra: Record<string, unknown> = {}) {
  const id = parseSessionId(name);
  const turns = bilingualTurns(160, { productsPerResult: 28 });
  const item = { session_id: id, turns, turn_count: 160, created_at: 1_700_000_000_000, updated_at: 1_700_000_240_000, version: 3, ...extra };
  await env.doc.send(new PutCommand({ TableName: TABLE, Item: item }));
  return { id, turns, item };
}

async function readItem(id: string): Promise<SessionItem> {
  const out = await env.doc.send(new GetCommand({ TableName: TABLE, Key: { session_id: id }, ConsistentRead: true }));
  return out.Item as SessionItem;
}

async function readSnapshot(key: string) {
  const out = await env.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return decodeSnapshot(await out.Body!.transformToString(), key);
}

describe('compactSession on a 160-turn Japanese/English session', () => {
  it('puts every turn in S3 (SSE aws:kms), leaves an item under 400 KB, and reads back all 160 turns', async () => {
    const { id, turns, item } = await storeLongSession('compact-160');
    expect(itemSizeBytes(item)).toBeGreaterThan(MAX_ITEM_BYTES);

    const sse: (string | undefined)[] = [];
    const s3 = env.newS3Client();
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'PUT') sse.push(request.headers?.['x-amz-server-side-encryption']);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    const result = await new SessionSizeManager({ ddb: env.doc, s3, table: TABLE, bucket: BUCKET, now }).compactSession(id);
    // s3rver does not report encryption back: what counts is the header on the wire.
    expect(sse).toEqual(['aws:kms']);
    expect(result).toMatchObject({ changed: true, reusedSnapshot: false, version: 4 });
    const key = result.snapshotKey!;
    expect(key).toMatch(/^sessions\/compact-160\/\d{13}\.json$/);
    expect((await readSnapshot(key)).turns).toEqual(turns);

    const stored = await readItem(id);
    expect(itemSizeBytes(stored)).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    expect(stored).toMatchObject({ turn_count: 160, compacted_turn_count: 150, s3_overflow_key: key, version: 4, created_at: 1_700_000_000_000 });
    expect(stored.turns).toEqual(turns.slice(150));
    expect(stored.history_summary).toContain('150 earlier turns');

    const full = await manager().loadFullSession(id);
    expect(full.turns).toEqual(turns);
    expect(full.missingTurnCount).toBe(0);
  });

  it('compacts again after more turns: the new snapshot holds all of them, the old one stays', async () => {
    const { id, turns } = await storeLongSession('compact-twice');
    const first = await manager().compactSession(id);
    const more = bilingualTurns(190, { productsPerResult: 28 }).slice(160);
    const item = await readItem(id);
    const saved = await manager().saveSessionWithSizeGuard(id, { ...item, turns: [...item.turns!, ...more] });
    expect(saved).toMatchObject({ action: 'put', version: 5 });

    const second = await manager().overflowSession(id);
    expect(second.plan).toMatchObject({ action: 'overflow', keptTurns: 5, compactedTurnCount: 185 });
    expect((await readSnapshot(second.snapshotKey!)).turns).toEqual([...turns, ...more]);
    expect(await env.snapshotKeys(id)).toEqual([first.snapshotKey, second.snapshotKey].sort());
    expect((await manager().loadFullSession(id)).turns).toEqual([...turns, ...more]);
  });

  it('previewCompaction (for --dry-run) plans from the full history and writes nothing', async () => {
    const { id, turns, item } = await storeLongSession('preview');
    const plan = await manager().previewCompaction(id);
    expect(plan).toMatchObject({ action: 'compact', fits: true, keptTurns: 10, totalTurns: 160, expectedVersion: 3 });
    expect(plan.bytesBefore).toBe(itemSizeBytes(item));
    expect(plan.snapshot?.turns).toEqual(turns);
    expect(await readItem(id)).toEqual(item);
    expect(await env.snapshotKeys(id)).toEqual([]);
  });

  it('keeps sets and binary values in tool results through S3', async () => {
    const id = parseSessionId('compact-types');
    const turns = bilingualTurns(30).map((t, i) => (i === 3 ? { ...t, tool_calls: [{ tags: new Set(['shonen', '少年']), cover: new Uint8Array([1, 2, 3]) }] } : t));
    await env.doc.send(new PutCommand({ TableName: TABLE, Item: { session_id: id, turns, version: 1 } }));
    await manager().compactSession(id, { recent: 4 });
    expect((await manager().loadFullSession(id)).turns).toEqual(turns);
  });
});

describe('crashes and concurrent writers', () => {
  it('a crash after the S3 write and before the DynamoDB write loses nothing, and the rerun reuses the orphan', async () => {
    const { id, turns, item } = await storeLongSession('crash-before-ddb');
    let armed = true;
    const crashing = hookedClient(env.raw, async (command, send) => {
      if (armed && command instanceof PutCommand) {
        armed = false;
        throw new SimulatedCrash('before PutItem');
      }
      return send(command);
    });
    await expect(manager(crashing).compactSession(id)).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await readItem(id)).toEqual(item);
    expect(await env.snapshotKeys(id)).toHaveLength(1);
    expect((await manager().loadFullSession(id)).turns).toEqual(turns);

    const rerun = await manager().compactSession(id);
    expect(rerun).toMatchObject({ changed: true, reusedSnapshot: true });
    expect(await env.snapshotKeys(id)).toEqual([rerun.snapshotKey]);
    expect((await manager().loadFullSession(id)).turns).toEqual(turns);
  });

  it('a crash right after the DynamoDB write: the rerun is a no-op', async () => {
    const { id, turns } = await storeLongSession('crash-after-ddb');
    const crashing = hookedClient(env.raw, async (command, send) => {
      const out = await send(command);
      if (command instanceof PutCommand) throw new SimulatedCrash('after PutItem');
      return out;
    });
    await expect(manager(crashing).compactSession(id)).rejects.toBeInstanceOf(SimulatedCrash);
    const after = await readItem(id);
    expect(after.compacted_turn_count).toBe(150);

    const rerun = await manager().compactSession(id);
    expect(rerun.changed).toBe(false);
    expect(await readItem(id)).toEqual(after);
    expect(await env.snapshotKeys(id)).toHaveLength(1);
    expect((await manager().loadFullSession(id)).turns).toEqual(turns);
  });

  it('a writer that changes the item in between makes the compaction fail with a typed error, its write intact', async () => {
    const { id } = await storeLongSession('conflict');
    let armed = true;
    const racing = hookedClient(env.raw, async (command, send) => {
      if (armed && command instanceof PutCommand) {
        armed = false;
        await env.doc.send(
          new UpdateCommand({
            TableName: TABLE,
            Key: { session_id: id },
            UpdateExpression: 'SET #v = #v + :one, #t = list_append(#t, :turn)',
            ExpressionAttributeNames: { '#v': 'version', '#t': 'turns' },
            ExpressionAttributeValues: { ':one': 1, ':turn': [{ role: 'user', content: '割り込み', ts: 1 }] },
          }),
        );
      }
      return send(command);
    });
    const err = await manager(racing).compactSession(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionVersionConflictError);
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe('WRITE_CONFLICT');
    const after = await readItem(id);
    expect(after.version).toBe(4);
    expect(after.turns).toHaveLength(161);
    expect(after.compacted_turn_count).toBeUndefined();
  });

  it('saveSessionWithSizeGuard writes conditionally on the version it was given', async () => {
    const id = parseSessionId('save-versions');
    const turns = bilingualTurns(12);
    const m = manager();
    expect(await m.saveSessionWithSizeGuard(id, { turns })).toMatchObject({ action: 'put', version: 1 });
    expect(await m.saveSessionWithSizeGuard(id, { turns, version: 1 })).toMatchObject({ action: 'put', version: 2 });
    await expect(m.saveSessionWithSizeGuard(id, { turns, version: 1 })).rejects.toBeInstanceOf(SessionVersionConflictError);
    await expect(m.saveSessionWithSizeGuard(id, { turns })).rejects.toMatchObject({ code: 'WRITE_CONFLICT' });
    expect((await readItem(id)).version).toBe(2);
  });
});

describe('items the seed wrote', () => {
  it("reads and re-compacts a seed overflow (S3 dump of the session, 5 turns kept, 10 counted)", async () => {
    const id = parseSessionId('seed-overflow');
    const turns = bilingualTurns(120);
    const key = `sessions/${id}/1700000000.json`;
    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify({ session_id: id, turns }), ContentType: 'application/json' }));
    const later = bilingualTurns(124).slice(120);
    await env.doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { session_id: id, turns: [...turns.slice(115), ...later], compacted_turn_count: 110, history_summary: 'seed', s3_overflow_key: key, overflow_at: 1_700_000_000.5 },
      }),
    );
    const full = await manager().loadFullSession(id);
    expect(full.layout).toBe('snapshot-realigned');
    expect(full.turns).toEqual([...turns, ...later]);

    await manager().compactSession(id);
    const again = await manager().loadFullSession(id);
    expect(again.layout).toBe('snapshot-aligned');
    expect(again.turns).toEqual([...turns, ...later]);
    expect((await readItem(id)).version).toBe(1);
  });

  it('reports the turns a seed compaction dropped, and keeps its summary when compacting again', async () => {
    const id = parseSessionId('seed-compacted');
    const turns = bilingualTurns(70).slice(40);
    await env.doc.send(new PutCommand({ TableName: TABLE, Item: { session_id: id, turns, compacted_turn_count: 40, history_summary: 'User asked about: ワンピース' } }));
    const full = await manager().loadFullSession(id);
    expect(full).toMatchObject({ missingTurnCount: 40, layout: 'item-only' });
    expect(full.turns).toEqual(turns);

    await manager().compactSession(id);
    const item = await readItem(id);
    expect(item).toMatchObject({ turn_count: 70, compacted_turn_count: 60 });
    expect(item.history_summary).toContain('40 turns before these were compacted without a copy');
    expect(item.history_summary).toContain('ワンピース');
    const again = await manager().loadFullSession(id);
    expect(again).toMatchObject({ missingTurnCount: 40 });
    expect(again.turns).toEqual(turns);
  });

  it('a missing snapshot is corrupt data, not an empty history', async () => {
    const id = parseSessionId('seed-missing-object');
    await env.doc.send(new PutCommand({ TableName: TABLE, Item: { session_id: id, turns: [], compacted_turn_count: 10, s3_overflow_key: `sessions/${id}/1.json` } }));
    await expect(manager().loadFullSession(id)).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
    await expect(manager().loadFullSession(parseSessionId('no-such-session'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
