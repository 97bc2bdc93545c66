/**
 * `scanDynamoFleet` against dynalite: every item measured as DynamoDB does (not as dynalite
 * does), the sessions over the threshold named, segments that together cover the table
 * exactly once, and a read budget that holds the scan to its RCU rate (checked on an
 * injected clock: no timed assertion).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES } from '../../src/core/size/item-size.js';
import { parseByteSize } from '../../src/scan/byte-size.js';
import { scanDynamoFleet, segmentPlan, type DynamoFleetScanOptions } from '../../src/scan/dynamo-fleet.js';
import type { Clock } from '../../src/scan/read-budget.js';
import { startSessionsTable, TABLE, type SessionsTable } from './scan-dynamo-fixtures.js';

let t: SessionsTable;
beforeAll(async () => {
  t = await startSessionsTable(300);
});
afterAll(async () => t?.stop());

const base = (over: Partial<DynamoFleetScanOptions> = {}): DynamoFleetScanOptions => ({
  table: TABLE,
  totalSegments: 1,
  segments: [0],
  thresholdBytes: parseByteSize('380KB')!,
  timeoutMs: 10_000,
  ...over,
});

describe('scan dynamodb on dynalite', () => {
  it('measures every item as DynamoDB does and names the sessions over the threshold, largest first', async () => {
    const r = await scanDynamoFleet(t.client, base());
    const total = t.small.length + t.near.length + t.japanese.length;
    expect(r.items).toBe(total);
    expect(r.histogram.reduce((s, b) => s + b.count, 0)).toBe(total);
    expect(r.histogram.find((b) => b.label === '300-400 KB')!.count).toBe(t.small.length);
    // The Japanese session: accepted by dynalite (UTF-16 units), over the limit in UTF-8 bytes.
    expect(r.overLimit).toBe(1);
    expect(r.histogram[0]).toMatchObject({ label: 'over 400 KB', count: 1, minHeadroom: null });
    expect(r.overThreshold.count).toBe(t.near.length + t.japanese.length);
    expect(r.overThreshold.largest[0]).toMatchObject({ sessionId: 'ja-1', turnCount: 64 });
    expect(r.overThreshold.largest[0]!.bytes).toBeGreaterThan(MAX_ITEM_BYTES);
    expect(r.overThreshold.largest.slice(1).map((s) => s.sessionId).sort()).toEqual(t.near);
    expect(r.overThreshold.largest.map((s) => s.bytes)).toEqual([...r.overThreshold.largest.map((s) => s.bytes)].sort((a, b) => b - a));
    // dynalite reports ConsumedCapacity for Scan: the budget uses DynamoDB's own figure.
    expect(r.rcuSource).toBe('reported');
    expect(r.consumedRcu).toBeGreaterThan(0);
  });

  it('parallel segments cover the table exactly once, and --segment i/N scans one part of it', async () => {
    const all = await scanDynamoFleet(t.client, base({ totalSegments: 4, segments: [0, 1, 2, 3] }));
    expect(all.items).toBe(t.small.length + t.near.length + t.japanese.length);
    const parts = await Promise.all([0, 1, 2, 3].map((i) => scanDynamoFleet(t.client, base({ totalSegments: 4, segments: [i] }))));
    expect(parts.reduce((s, p) => s + p.items, 0)).toBe(all.items);
    expect(parts.every((p) => p.items < all.items)).toBe(true);
    expect(parts.reduce((s, p) => s + p.overThreshold.count, 0)).toBe(all.overThreshold.count);
    expect(segmentPlan({ segment: '2/4' })).toEqual({ totalSegments: 4, segments: [2] });
    expect(segmentPlan({ segments: '3' })).toEqual({ totalSegments: 3, segments: [0, 1, 2] });
    for (const bad of [{ segment: '4/4' }, { segment: 'x' }, { segments: '0' }, { segment: '0/2', segments: '2' }]) expect(typeof segmentPlan(bad)).toBe('string');
  });

  it('a read budget holds the scan to its rate: on a virtual clock, time taken >= (consumed - one second of budget) / rate', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const maxRcu = 5;
    const r = await scanDynamoFleet(t.client, base({ totalSegments: 2, segments: [0, 1], maxRcu, clock }));
    expect(r.items).toBe(t.small.length + t.near.length + t.japanese.length);
    expect(r.budgetWaitMs).toBeGreaterThan(0);
    // Virtual time passes only while waiting for the budget, so this is the budget's own bound.
    expect(now / 1000).toBeGreaterThanOrEqual((r.consumedRcu - maxRcu - 128) / maxRcu);
    // Pages were sized to the budget: far more of them than the unbudgeted scan needed.
    const free = await scanDynamoFleet(t.client, base({ totalSegments: 2, segments: [0, 1] }));
    expect(r.pages).toBeGreaterThan(free.pages);
  });
});
