/** The read budget's token bucket and the size flag, on a virtual clock: no waiting, no timed assertion. */
import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../src/scan/byte-size.js';
import { estimateScanRcu, ReadBudget, type Clock } from '../../src/scan/read-budget.js';
import { HeadroomHistogram, LargestItems } from '../../src/scan/size-histogram.js';

function virtualClock() {
  const clock = { t: 0, sleeps: [] as number[] };
  const c: Clock = { now: () => clock.t, sleep: async (ms) => void (clock.sleeps.push(ms), (clock.t += ms)) };
  return { clock, c };
}

describe('ReadBudget', () => {
  it('lets one second of budget through at once, then holds the rate', async () => {
    const { clock, c } = virtualClock();
    const budget = new ReadBudget(10, c);
    for (let i = 0; i < 10; i++) {
      await budget.acquire();
      budget.spend(1);
    }
    expect(clock.t).toBe(0); // the first second's budget
    for (let i = 0; i < 50; i++) {
      await budget.acquire();
      budget.spend(1);
    }
    // 50 more RCU at 10 RCU/s: at least 4.9 s (the last spend is not waited for).
    expect(clock.t).toBeGreaterThanOrEqual(4900);
    expect(clock.t).toBeLessThanOrEqual(5100);
    expect(budget.consumed).toBe(60);
  });

  it('a page that overspends puts the bucket in debt, and the next request waits it off', async () => {
    const { clock, c } = virtualClock();
    const budget = new ReadBudget(4, c);
    await budget.acquire();
    budget.spend(64); // one 512 KB page
    await budget.acquire();
    expect(clock.t).toBeGreaterThanOrEqual(15_000); // (64 - 4) / 4 s
    expect(budget.waitedMs).toBe(clock.t);
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new ReadBudget(0)).toThrow(RangeError);
  });

  it('estimates a scan page as DynamoDB bills it: 4 KB per RCU, halved for eventual consistency', () => {
    expect(estimateScanRcu(0)).toBe(0);
    expect(estimateScanRcu(1)).toBe(0.5);
    expect(estimateScanRcu(4096)).toBe(0.5);
    expect(estimateScanRcu(4097)).toBe(1);
    expect(estimateScanRcu(1024 * 1024, true)).toBe(256);
  });
});

describe('size flags, histogram and largest items', () => {
  it('parses sizes with 1024-byte KB, as DynamoDB counts its 400 KB', () => {
    expect(parseByteSize('380KB')).toBe(389_120);
    expect(parseByteSize('400 kib')).toBe(409_600);
    expect(parseByteSize('0.5MB')).toBe(524_288);
    expect(parseByteSize('1234')).toBe(1234);
    for (const bad of ['', 'KB', '-1KB', '12 GB', '1e3']) expect(parseByteSize(bad)).toBeNull();
  });

  it('puts each size in exactly one headroom bucket, edges included', () => {
    const h = new HeadroomHistogram();
    for (const bytes of [0, 100, 409_600, 409_601, 409_600 - 20_480, 409_600 - 20_479]) h.add(bytes);
    const count = (label: string) => h.buckets.find((b) => b.label === label)!.count;
    expect(count('over 400 KB')).toBe(1);
    expect(count('0-20 KB')).toBe(2);
    expect(count('20-50 KB')).toBe(1);
    expect(count('300-400 KB')).toBe(2);
  });

  it('keeps only the n largest, largest first', () => {
    const l = new LargestItems<{ bytes: number }>(3);
    for (const bytes of [5, 1, 9, 7, 3, 9]) l.add({ bytes });
    expect(l.items.map((x) => x.bytes)).toEqual([9, 9, 7]);
  });
});
