import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../../src/cli/commands/diagnose-run.js';
import { diagnose } from '../../src/diagnose/engine.js';
import { walkInteractively, type Prompter } from '../../src/diagnose/interactive.js';
import { windowFor } from '../../src/diagnose/window.js';
import { asDocument, expectValidDiagnoseDocument } from './diagnose-schema.js';
import { startTestLab, type TestLab } from './diagnose-lab.js';

/**
 * A source that hangs or fails never hangs diagnose: it is cut off at the timeout, listed
 * with its error, its decisions become unknown, and the rest of the verdict stands. The
 * bound checked here (timeout plus one second) is a correctness bound with slack for a
 * loaded machine, not a speed measurement.
 */
const TIMEOUT_MS = 4000;
let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterEach(() => {
  lab.emulator.faults.clear();
});
afterAll(async () => lab?.stop());

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await work();
  return { value, ms: performance.now() - t };
}

describe('CloudWatch hangs', () => {
  it('returns within the timeout plus 1 s, lists CloudWatch, and still finds every incident from the other sources', async () => {
    await lab.seed({ scenarios: [1, 2, 3, 5], sessions: 60 });
    // One warm run first: the bound is about a hanging source, not about this test process
    // loading the AWS SDK for the first time on a busy machine.
    await runDiagnose(lab.config, { timeoutMs: TIMEOUT_MS });
    lab.emulator.faults.inject({ service: 'monitoring', kind: 'hang' });
    const { value: r, ms } = await timed(() => runDiagnose(lab.config, { timeoutMs: TIMEOUT_MS }));
    expectValidDiagnoseDocument(asDocument(r));
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
    const cw = r.sources.find((s) => s.name === 'cloudwatch')!;
    expect(cw.status).toBe('error');
    expect(cw.error?.kind).toBe('timeout');
    expect(r.errors.map((e) => e.source)).toContain('cloudwatch');
    expect(r.uncheckedSignals).toEqual(expect.arrayContaining(['alarm:sessionErrors', 'alarm:routingCount', 'alarm:p99Latency', 'alarm:validationErrors']));
    // Scenario 2 has no signal but its alarm: walked because the alarm could not be read.
    expect(r.scenarios.find((c) => c.scenario === 2)?.selectedBy).toBe('unchecked');
    expect(r.findings.map((f) => [f.scenario, f.rootCause.id])).toEqual(
      expect.arrayContaining([
        [1, 'redis-failover-partial-write'],
        [2, 'ambiguous-query-low-confidence'],
        [3, 'ungrounded-answer-after-tool-timeout'],
        [5, 'optimistic-lock-conflict'],
      ]),
    );
    expect(r.status).toBe('incident');
    for (const s of r.sources.filter((x) => x.name !== 'cloudwatch')) expect(s.status, s.name).toBe('ok');
  });
});

describe('CloudWatch Logs hangs, or ElastiCache throttles, during scenario 1', () => {
  beforeAll(async () => {
    await lab.seed({ scenarios: [1], sessions: 60 });
  });

  it('is inconclusive (exit 4) within the timeout plus 1 s, with the unanswerable question for the engineer', async () => {
    lab.emulator.faults.inject({ service: 'logs', kind: 'hang' });
    const { value: r, ms } = await timed(() => runDiagnose(lab.config, { timeoutMs: TIMEOUT_MS }));
    expectValidDiagnoseDocument(asDocument(r));
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
    expect(r.status).toBe('inconclusive');
    expect(r.exitCode).toBe(4);
    expect(r.sources.find((s) => s.name === 'logs')?.error?.code).toBe('LOGS_TIMEOUT');
    const s1 = r.scenarios.find((c) => c.scenario === 1)!;
    expect(s1.selectedBy).toBe('signal');
    expect(s1.result).toBe('unknown');
    expect(s1.path).toEqual(['A', 'B']);
    expect(s1.question?.choices.map((c) => c.label)).toEqual(['JSONDecodeError', 'RedisConnectionError', 'KeyError / TypeError']);
  });

  it('interactively asks the flowchart question and resumes the walk from the answer', async () => {
    lab.emulator.faults.inject({ service: 'logs', kind: 'hang' });
    const asked: string[] = [];
    const out: string[] = [];
    // The engineer at the keyboard: answers the chart's question, then declines every write.
    const engineer: Prompter = {
      async select(message, choices, defaultValue) {
        asked.push(message);
        const pick = choices.find((c) => c.name === 'JSONDecodeError');
        return (message.includes('error type') && pick ? pick.value : defaultValue) as typeof defaultValue;
      },
    };
    const d = await diagnose({ config: { ...lab.config, timeoutMs: TIMEOUT_MS }, window: windowFor('30m') });
    expect(d.result.status).toBe('inconclusive');
    const final = await walkInteractively(d, { prompter: engineer, out: (t) => out.push(t) });
    expect(asked[0]).toMatch(/^s1 B: Check error type in CloudWatch Logs\?/);
    expect(final.status).toBe('incident');
    const f = final.findings.find((x) => x.scenario === 1)!;
    expect(f.path).toEqual(['A', 'B', 'C', 'F', 'G', 'I']);
    expect(f.evidence.find((e) => e.node === 'B')?.answeredBy).toBe('engineer');
    // The remediation offer came last and was declined: its commands are still shown.
    expect(asked.at(-1)).toMatch(/Run a remediation now/);
    expect(out.join('\n')).toContain('manga-oncall fix fleet --scenario 1 --action restore-backup');
  });

  it('classifies a throttled ElastiCache by exception name and leaves only the failover question open', async () => {
    lab.emulator.faults.inject({ service: 'elasticache', kind: 'throttle' });
    const r = await runDiagnose(lab.config, { timeoutMs: 30_000 });
    expectValidDiagnoseDocument(asDocument(r));
    expect(r.sources.find((s) => s.name === 'elasticache')?.error?.kind).toBe('throttled');
    const s1 = r.scenarios.find((c) => c.scenario === 1)!;
    expect(s1.result).toBe('unknown');
    expect(s1.path).toEqual(['A', 'B', 'C', 'F']);
    expect(r.status).toBe('inconclusive');
  });
});
