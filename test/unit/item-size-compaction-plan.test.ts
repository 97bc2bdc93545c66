import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.js';
import { canonicalTurn, decodeSnapshot, encodeSnapshot, type HistorySnapshot } from '../../src/core/size/history-codec.js';
import { assembleHistory } from '../../src/core/size/history.js';
import { itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from '../../src/core/size/item-size.js';
import { planCompaction } from '../../src/core/size/plan.js';
import type { SessionItem, SessionTurn } from '../../src/core/size/session-item.js';
import { summarizeTurns, SUMMARY_MAX_BYTES, truncateGraphemes, truncateUtf8 } from '../../src/core/size/summary.js';
import { bilingualTurns } from './item-size-fixtures.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function snapshotOf(id: string, turns: SessionTurn[], first = 0): HistorySnapshot {
  return { schemaVersion: 1, session_id: id, first_turn_index: first, source_version: 1, turns };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('summarizeTurns', () => {
  const turns = bilingualTurns(150);

  it('is deterministic, lists agents in first-seen order, quotes the first 3 and last 7 questions', () => {
    const a = summarizeTurns(turns);
    expect(summarizeTurns(turns)).toBe(a);
    expect(a).toContain('Conversation summary (150 earlier turns)');
    expect(a).toContain('Topics covered by agents: order_agent, catalog_agent, recommendation_agent.');
    expect(a.match(/User asked about:/g)).toHaveLength(10);
    expect(a).toContain('(#0)');
    expect(a).toContain('(#148)');
    expect(a).not.toContain('(#50)');
  });

  it('stays under its byte cap and never cuts a surrogate pair or an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const long = [{ role: 'user', content: `${'📚'.repeat(99)}${family}${'x'.repeat(50)}` }];
    const s = summarizeTurns(long);
    expect(s).toContain(`${'📚'.repeat(99)}${family}…`);
    expect(LONE_SURROGATE.test(s)).toBe(false);
    const huge = Array.from({ length: 400 }, (_, i) => ({ role: 'user', content: '漫'.repeat(500), agent_name: `agent_${i}` }));
    const capped = summarizeTurns(huge);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(LONE_SURROGATE.test(capped)).toBe(false);
  });

  it('truncates by graphemes and by UTF-8 bytes', () => {
    expect(truncateGraphemes('ワンピース', 3)).toBe('ワンピ…');
    expect(truncateUtf8('ワンピース', 10)).toBe('ワン…');
    expect(truncateUtf8('ワン', 10)).toBe('ワン');
    expect(truncateUtf8('😀😀😀', 9)).toBe('😀…');
  });
});

describe('the snapshot codec', () => {
  it('round-trips sets, binary and big numbers that plain JSON loses', () => {
    const turns: SessionTurn[] = [
      {
        role: 'tool',
        content: 'ok',
        ts: 1,
        tool_calls: [{ tags: new Set(['shonen', '少年']), cover: new Uint8Array([0, 255, 7]), sku: new NumberValue('123456789012345678901234') }],
        look_alike: { $set: [1, 2] },
      },
    ];
    const text = encodeSnapshot(snapshotOf('s1', turns));
    expect(encodeSnapshot(snapshotOf('s1', turns))).toBe(text);
    const back = decodeSnapshot(text, 'test');
    expect(back.turns).toEqual(turns);
    expect(back.session_id).toBe('s1');
  });

  it('reads a snapshot the seed wrote (a JSON dump of the session dict) and rejects garbage', () => {
    const seed = JSON.stringify({ session_id: 's1', turns: [{ role: 'user', content: 'hi', ts: 1 }], history_summary: 'x' });
    expect(decodeSnapshot(seed, 'seed').turns).toHaveLength(1);
    expect(() => decodeSnapshot('{"turns": 3}', 'bad')).toThrow(CoreError);
    expect(() => decodeSnapshot('not json', 'bad')).toThrow(CoreError);
  });

  it('recognises the same turn whatever its key order', () => {
    expect(canonicalTurn({ role: 'user', content: 'a', ts: 1 })).toBe(canonicalTurn({ ts: 1, content: 'a', role: 'user' }));
  });
});

describe('assembleHistory', () => {
  const all = bilingualTurns(163);

  it('joins a snapshot and the turns kept and appended since, in order, without duplicates', () => {
    const item: SessionItem = { session_id: 's1', compacted_turn_count: 150, turns: all.slice(150) };
    const h = assembleHistory(item, snapshotOf('s1', all.slice(0, 160)));
    expect(h.turns).toEqual(all);
    expect(h.layout).toBe('snapshot-aligned');
    expect(h.fromSnapshot).toBe(150);
  });

  it("realigns an item written by the seed's overflow (counted 10 kept turns, kept 5)", () => {
    const item: SessionItem = { session_id: 's1', compacted_turn_count: 150, turns: all.slice(155, 163) };
    const h = assembleHistory(item, snapshotOf('s1', all.slice(0, 160)));
    expect(h.turns).toEqual(all);
    expect(h.layout).toBe('snapshot-realigned');
  });

  it('takes the snapshot as the whole history when the item holds no turns, whatever its counter says', () => {
    const h = assembleHistory({ session_id: 's1', compacted_turn_count: 150, turns: [] }, snapshotOf('s1', all.slice(0, 160)));
    expect(h.turns).toEqual(all.slice(0, 160));
  });

  it("reports the turns a seed compaction dropped, and refuses to guess across a gap or another session's snapshot", () => {
    const dropped = assembleHistory({ session_id: 's1', compacted_turn_count: 40, turns: all.slice(40, 50) }, undefined);
    expect(dropped.missingTurnCount).toBe(40);
    expect(dropped.turns).toEqual(all.slice(40, 50));
    expect(() => assembleHistory({ session_id: 's1', compacted_turn_count: 150, turns: all.slice(150) }, snapshotOf('s2', all.slice(0, 160)))).toThrow(CoreError);
    // A snapshot of 100 turns cannot be followed by an item that starts at turn 150.
    expect(() => assembleHistory({ session_id: 's1', compacted_turn_count: 150, turns: all.slice(150) }, snapshotOf('s1', all.slice(0, 100)))).toThrow(
      /do not continue/,
    );
  });
});

describe('planCompaction', () => {
  const turns = bilingualTurns(160);
  const item: SessionItem = deepFreeze({ session_id: 'sess-1', turns, turn_count: 160, version: 7, created_at: 1, customer_tier: 'gold' });
  const history = { turns, missingTurnCount: 0, fromSnapshot: 0, layout: 'item-only' as const };

  it('keeps 10 recent turns, counts the rest as compacted, bumps the version, and sizes before and after', () => {
    const plan = planCompaction(item, { history, now: 1_700_000_999_000 });
    expect(plan.action).toBe('compact');
    expect(plan.fits).toBe(true);
    expect(plan.keptTurns).toBe(10);
    expect(plan.compactedTurnCount).toBe(150);
    expect(plan.nextItem.turns).toEqual(turns.slice(150));
    expect(plan.nextItem).toMatchObject({
      session_id: 'sess-1',
      turn_count: 160,
      compacted_turn_count: 150,
      s3_overflow_key: 'sessions/sess-1/1700000999000.json',
      overflow_at: 1_700_000_999_000,
      updated_at: 1_700_000_999_000,
      version: 8,
      created_at: 1,
      customer_tier: 'gold',
    });
    expect(plan.expectedVersion).toBe(7);
    expect(plan.bytesBefore).toBe(itemSizeBytes(item));
    expect(plan.bytesAfter).toBe(itemSizeBytes(plan.nextItem));
    expect(plan.headroomBytes).toBe(MAX_ITEM_BYTES - plan.bytesAfter);
    expect(plan.snapshot?.turns).toEqual(turns);
    expect(plan.nextItem.history_summary).toContain('150 earlier turns');
  });

  it('overflow keeps 5; a session with few turns that fits needs nothing', () => {
    expect(planCompaction(item, { history, recent: 5, mode: 'overflow' })).toMatchObject({ action: 'overflow', keptTurns: 5 });
    const small = { session_id: 's', turns: turns.slice(0, 8), version: 1 };
    expect(planCompaction(small).action).toBe('none');
  });

  it('keeps fewer turns when the recent ones alone are too large, and says when nothing can fit', () => {
    const big = (i: number) => ({ role: 'tool', content: 'x'.repeat(120_000), ts: i });
    const heavy = { session_id: 's', turns: [...turns.slice(0, 20), big(1), big(2), big(3), big(4)] };
    const plan = planCompaction(heavy, { history: { ...history, turns: heavy.turns } });
    expect(plan).toMatchObject({ action: 'overflow', keptTurns: 3, fits: true });
    expect(plan.bytesAfter).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    const hopeless = { session_id: 's', turns, notes: 'n'.repeat(SAFE_ITEM_BYTES) };
    expect(planCompaction(hopeless, { history })).toMatchObject({ fits: false, keptTurns: 0 });
  });
});
