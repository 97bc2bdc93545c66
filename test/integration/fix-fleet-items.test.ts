/**
 * `fix fleet --scenario 4` finds every item that needs a fix by its exact size, not only by
 * its turn count: long histories are compacted, and an item near 400 KB with few turns (huge
 * tool results) is overflowed to S3. Sizes are DynamoDB's (UTF-8 bytes), which dynalite does
 * not enforce: the items here would be judged differently by a UTF-16 count.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/actions/audit/record.js';
import { runFleetFix, type FleetRequest } from '../../src/actions/fleet/run.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { canonicalTurn } from '../../src/core/size/history-codec.js';
import { itemSizeBytes, SAFE_ITEM_BYTES, SessionSizeManager } from '../../src/core/size/index.js';
import { startFixLab, type FixLab } from './fix-lab.js';

const ACTOR: Actor = { osUser: 'test', host: 'test-host' };
let lab: FixLab;

beforeAll(async () => {
  lab = await startFixLab();
  await lab.seed({ scenarios: 'none', sessions: 20 });
});
afterAll(async () => {
  await lab?.stop();
});

const manager = () => new SessionSizeManager({ ddb: lab.ddb, s3: lab.s3, table: 'manga_sessions', bucket: 'manga-session-overflow' });

/** An item of `turns` turns whose contents are `chars` characters each (Japanese: 3 UTF-8 bytes, 1 UTF-16 unit). */
async function putSession(id: string, turns: number, chars: number): Promise<void> {
  const list = Array.from({ length: turns }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: `${id}/${t} `.padEnd(chars, '在'), ts: 1_700_000_000_000 + t }));
  await lab.ddb.send(new PutCommand({ TableName: 'manga_sessions', Item: { session_id: id, turns: list, turn_count: turns, created_at: 1, updated_at: 2, version: 1 } }));
}

const fleet = (extra: Partial<FleetRequest> = {}) =>
  runFleetFix(lab.env(), {
    selector: { kind: 'scenario', scenario: 4 },
    since: 0,
    command: 'fix fleet --scenario 4',
    approve: async () => 'approved',
    audit: lab.audit,
    actor: async () => ACTOR,
    stateDir: lab.stateDir,
    target: 'items',
    ...extra,
  });

describe('fix fleet --scenario 4', () => {
  it('compacts long histories and overflows big items with few turns; every history whole afterwards; a rerun changes nothing', async () => {
    const long = ['long-a', 'long-b'];
    // 6 turns of ~66 KB: ~395 KB by DynamoDB's count (over the safe size), ~132 KB by dynalite's.
    const big = ['big-few-turns'];
    const small = 'small-few-turns';
    for (const id of long) await putSession(id, 70, 200);
    await putSession(big[0]!, 6, 22_000);
    await putSession(small, 6, 200);
    const ids = [...long, ...big, small].map(parseSessionId);
    const before = new Map<string, string[]>();
    for (const id of ids) before.set(id, (await manager().loadFullSession(id)).turns.map(canonicalTurn));
    const bigBytes = itemSizeBytes((await manager().loadFullSession(parseSessionId(big[0]!))).item);
    expect(bigBytes).toBeGreaterThan(SAFE_ITEM_BYTES);

    const dry = await fleet({ dryRun: true });
    expect(dry.plan.affected).toBe(3);
    expect(dry.plan.planned).toMatchObject({ compact: 2, overflow: 1 });

    const run = await fleet();
    expect(run.exitCode).toBe(0);
    expect(run.outcomes).toMatchObject({ applied: 3, failed: 0, refused: 0 });
    for (const id of ids) {
      const full = await manager().loadFullSession(id);
      // Nothing lost: the whole history reads back, in order.
      expect(full.turns.map(canonicalTurn)).toEqual(before.get(id));
      expect(itemSizeBytes(full.item)).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    }
    const smallItem = (await manager().loadFullSession(parseSessionId(small))).item;
    expect(smallItem.s3_overflow_key).toBeUndefined();

    const again = await fleet();
    expect(again.exitCode).toBe(0);
    expect(again.outcomes.applied).toBe(0);
  });
});
