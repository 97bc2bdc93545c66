import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLab } from '../../src/lab/seed/index.js';
import { startRedis } from '../helpers/services.js';
import { alarmStates, readLogs, scanKeys, sessionItems, startTestLab, type TestLab } from './lab-seed-env.js';

const NOW = Date.now();
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(() => NOW + 2000);
});
afterAll(async () => {
  await lab?.stop();
});

describe('determinism', () => {
  it('two seeds with the same seed and clock into fresh Redis servers give identical keys and bytes', async () => {
    const second = await startRedis();
    try {
      const opts = { scenarios: 'all' as const, sessions: 50, seed: 1234, now: NOW };
      const m1 = await seedLab(lab.endpoints, opts);
      const m2 = await seedLab({ ...lab.endpoints, redisUrl: second.server.url }, opts);
      expect(m2).toEqual(m1);
      const other = second.client();
      const keys = await scanKeys(lab.redis, '*');
      expect(await scanKeys(other, '*')).toEqual(keys);
      expect(keys.length).toBe(m1.totals.redisKeys);
      // DUMP is Redis's own serialization: equal dumps are equal values, bytes and types included.
      const sample = keys.filter((_, i) => i % 7 === 0);
      for (const k of sample) expect((await other.dumpBuffer(k)).equals(await lab.redis.dumpBuffer(k))).toBe(true);
      const third = await seedLab(lab.endpoints, { ...opts, seed: 1235 });
      expect(third.scenarios[0]?.affectedSessions).not.toEqual(m1.scenarios[0]?.affectedSessions);
    } finally {
      await second.stop();
    }
  });
});

describe('the default size', () => {
  it('seeds 1,000 background sessions plus every scenario, all of it readable back', async () => {
    const m = await seedLab(lab.endpoints, { scenarios: 'all', now: NOW });
    expect(m.background.sessions).toBe(1000);
    expect(await sessionItems(lab)).toHaveLength(m.totals.sessions);
    expect((await scanKeys(lab.redis, 'manga:*')).length).toBe(m.totals.redisKeys);
    const logs = await readLogs(lab, m);
    expect(logs).toHaveLength(m.totals.logEvents);
    // "tens of thousands at most" for 1,000 sessions.
    expect(m.totals.logEvents).toBeLessThan(50_000);
    expect(await alarmStates(lab)).toEqual(m.expectedAlarms);
    expect(Object.values(m.expectedAlarms)).toEqual(['ALARM', 'ALARM', 'ALARM', 'ALARM']);
  });
});
