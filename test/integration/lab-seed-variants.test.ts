import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLab, type SeedManifest } from '../../src/lab/seed/index.js';
import type { LogRecord } from '../../src/lab/seed/model.js';
import type { ScenarioNumber } from '../../src/lab/seed/scenario-types.js';
import { EXPECTED_SIGNALS, namedTitles, turnTraces } from '../unit/lab-seed-signals.js';
import { alarmStates, cacheEventMessages, readLogs, serviceSignals, startTestLab, type TestLab } from './lab-seed-env.js';

// The variants exist so diagnose's negative branches can be tested: each must show its
// own signals, trip its own alarm, and nothing more. A small background keeps this quick.
const NOW = Date.now();
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(() => NOW + 2000);
});
afterAll(async () => {
  await lab?.stop();
});

const events = (logs: readonly LogRecord[], name: string) => logs.filter((l) => l.fields.event === name);
const errorTypes = (logs: readonly LogRecord[], name: string) => [...new Set(events(logs, name).map((l) => String(l.fields.error_type)))].sort();

const VARIANTS: [ScenarioNumber, string, (m: SeedManifest, logs: LogRecord[]) => Promise<void> | void][] = [
  [1, 'no-event', async () => expect(await cacheEventMessages(lab)).toEqual([])],
  [1, 'connection-error', (_m, logs) => expect(errorTypes(logs, 'session_load_failed')).toEqual(['RedisConnectionError'])],
  [1, 'schema-mismatch', (_m, logs) => expect(errorTypes(logs, 'session_load_failed')).toEqual(['KeyError', 'TypeError'])],
  [
    2, 'fluctuating', (_m, logs) => {
      for (const t of turnTraces(logs).filter((x) => x.routes.length > 3)) {
        expect(new Set(t.routes.map((r) => r.agent)).size).toBe(2);
        expect(t.routes.some((r) => r.confidence >= 0.7) && t.routes.some((r) => r.confidence < 0.7)).toBe(true);
      }
    },
  ],
  [
    2, 'multi-agent', (_m, logs) => {
      const loops = turnTraces(logs).filter((x) => x.routes.length > 3);
      expect(loops.length).toBeGreaterThan(0);
      for (const t of loops) expect(new Set(t.routes.map((r) => r.agent)).size).toBe(t.routes.length);
    },
  ],
  [
    3, 'returned-error', (_m, logs) => {
      const timedOut = new Set(events(logs, 'tool_call').filter((e) => e.fields.status === 'timeout').map((e) => e.fields.turn_id));
      const replies = events(logs, 'response').filter((r) => timedOut.has(r.fields.turn_id));
      expect(replies).toHaveLength(5);
      for (const r of replies) expect(namedTitles(String(r.fields.text))).toEqual([]);
    },
  ],
  [
    4, 'other-validation', (_m, logs) => {
      expect(errorTypes(logs, 'session_save_failed')).toEqual(['ValidationException']);
      for (const e of events(logs, 'session_save_failed')) expect(e.fields.message).not.toMatch(/Item size/);
    },
  ],
  [5, 'no-watch-errors', (m) => expect((m.scenarios[0]?.details.bursts as unknown[]).length).toBeGreaterThan(0)],
  [5, 'no-concurrency', (m) => expect(m.scenarios[0]?.details.bursts).toEqual([])],
];

describe('non-default variants, each seeded alone', () => {
  it.each(VARIANTS)('scenario %i, variant %s', async (n, variant, check) => {
    const m = await seedLab(lab.endpoints, { scenarios: [n], variants: { [n]: variant }, sessions: 20, now: NOW });
    const logs = await readLogs(lab, m);
    expect(m.scenarios.map((s) => [s.scenario, s.variant])).toEqual([[n, variant]]);
    expect([...(await serviceSignals(lab, m, logs))].sort()).toEqual([...(EXPECTED_SIGNALS[`${n}/${variant}`] ?? ['?'])].sort());
    expect(await alarmStates(lab)).toEqual(m.expectedAlarms);
    await check(m, logs);
  });
});
