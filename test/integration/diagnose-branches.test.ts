import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../../src/cli/commands/diagnose-run.js';
import type { DiagnoseResult, Finding } from '../../src/diagnose/types.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import { loadRunbookSet } from '../../src/runbooks/index.js';
import { asDocument, expectValidDiagnoseDocument } from './diagnose-schema.js';
import { startTestLab, type TestLab } from './diagnose-lab.js';

/**
 * The negative branch of each flowchart, taken because the data says so, with the other
 * incidents seeded beside it (so each decision is made on its own evidence, not on a quiet
 * lab): scenario 1 with no ElastiCache event is the race, not a failover; a different agent
 * each time is a multi-agent query, not a loop; a ValidationException that is not about item
 * size is a different issue; a latency spike without concurrent requests is another runbook.
 */
const runbooks = loadRunbookSet();
let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => lab?.stop());

async function seedAndDiagnose(variants: Record<number, string>): Promise<{ manifest: SeedManifest; result: DiagnoseResult }> {
  const manifest = await lab.seed({ scenarios: Object.keys(variants).map(Number), variants, sessions: 100 });
  const result = await runDiagnose(lab.config, { timeoutMs: 30_000 });
  expectValidDiagnoseDocument(asDocument(result));
  return { manifest, result };
}

const findingOf = (r: DiagnoseResult, scenario: number): Finding | undefined => r.findings.find((f) => f.scenario === scenario);
const expectedOf = (m: SeedManifest, scenario: number) => m.scenarios.find((s) => s.scenario === scenario)!.expected;
/** The root cause id the runbook data holds at the end of a path (a root_cause node on it). */
function runbookRootCause(runbook: string, path: readonly string[]): string | undefined {
  const rb = runbooks.runbook(runbook)!;
  for (const id of [...path].reverse()) {
    const n = rb.nodes.find((x) => x.id === id);
    if (n?.kind === 'root_cause') return n.rootCause.id;
  }
  return undefined;
}

describe('race, context shift, other validation error, last writer wins', () => {
  let manifest: SeedManifest;
  let result: DiagnoseResult;
  beforeAll(async () => {
    ({ manifest, result } = await seedAndDiagnose({ 1: 'no-event', 2: 'fluctuating', 4: 'other-validation', 5: 'no-watch-errors' }));
  });

  it('scenario 1 with no ElastiCache event: the concurrent-write race, not a failover', () => {
    const f = findingOf(result, 1)!;
    expect(f.path).toEqual(expectedOf(manifest, 1).path);
    expect(f.path).toEqual(['A', 'B', 'C', 'F', 'H', 'I']);
    expect(f.rootCause.id).toBe('concurrent-write-race');
    expect(f.evidence.find((e) => e.node === 'F')?.outcome).toBe('none');
  });

  it('scenario 2 with confidences crossing 0.70: responses shifting the classification', () => {
    const f = findingOf(result, 2)!;
    expect(f.path).toEqual(expectedOf(manifest, 2).path);
    expect(f.evidence.find((e) => e.node === 'E')?.outcome).toBe('fluctuating');
    expect(f.rootCause.id).toBe(expectedOf(manifest, 2).rootCauseId);
    expect(f.rootCause.id).toBe(runbookRootCause('s2', f.path));
  });

  it('scenario 4 with another ValidationException: a different issue, handed off', () => {
    const f = findingOf(result, 4)!;
    expect(f.path).toEqual(['A', 'B', 'D']);
    expect(f.verdict).toBe('other-runbook');
    expect(f.rootCause.id).toBe(expectedOf(manifest, 4).rootCauseId);
    expect(f.remediations).toEqual([]);
    expect(f.affectedSessions.count).toBe(manifest.scenarios.find((s) => s.scenario === 4)!.affectedSessions.length);
  });

  it('scenario 5 bursts without WatchError: last-writer-wins corruption', () => {
    const f = findingOf(result, 5)!;
    expect(f.path).toEqual(expectedOf(manifest, 5).path);
    expect(f.evidence.find((e) => e.node === 'E')?.outcome).toBe('none');
    expect(f.rootCause.id).toBe(expectedOf(manifest, 5).rootCauseId);
    expect(f.rootCause.id).toBe(runbookRootCause('s5', f.path));
  });
});

describe('connection errors, multi-agent queries, an honest timeout, latency alone', () => {
  let manifest: SeedManifest;
  let result: DiagnoseResult;
  beforeAll(async () => {
    ({ manifest, result } = await seedAndDiagnose({ 1: 'connection-error', 2: 'multi-agent', 3: 'returned-error', 5: 'no-concurrency' }));
  });

  it('scenario 1 failing on RedisConnectionError: the connectivity runbook', () => {
    const f = findingOf(result, 1)!;
    expect(f.path).toEqual(expectedOf(manifest, 1).path);
    expect(f.rootCause.id).toBe(expectedOf(manifest, 1).rootCauseId);
    expect(f.rootCause.id).toBe('s1.D');
    expect(f.handoff?.runbook).toBeNull();
  });

  it('scenario 2 with a different agent each time: a legitimate multi-agent query, not a loop', () => {
    expect(findingOf(result, 2)).toBeUndefined();
    const check = result.scenarios.find((c) => c.scenario === 2)!;
    expect(check.result).toBe('dismissed');
    expect(check.path).toEqual(expectedOf(manifest, 2).path);
    expect(check.signals).toEqual(['alarm:routingCount']);
  });

  it('scenario 3 where the agent reported the timeout: nothing invented, nothing to find', () => {
    expect(findingOf(result, 3)).toBeUndefined();
    expect(result.signals).not.toContain('report:wrong_data');
  });

  it('scenario 5 latency without concurrent requests: a different runbook', () => {
    const f = findingOf(result, 5)!;
    expect(f.path).toEqual(['A', 'B', 'D']);
    expect(f.rootCause.id).toBe(expectedOf(manifest, 5).rootCauseId);
    expect(f.evidence.find((e) => e.node === 'B')?.outcome).toBe('single');
  });

  it('is still an incident for what remains', () => {
    expect(result.status).toBe('incident');
    expect(result.findings.map((f) => f.scenario).sort()).toEqual([1, 5]);
  });
});

describe('a deployment that changed the turn schema', () => {
  it('scenario 1 failing on KeyError / TypeError: schema mismatch, not corruption', async () => {
    const { manifest, result } = await seedAndDiagnose({ 1: 'schema-mismatch' });
    const f = findingOf(result, 1)!;
    expect(f.path).toEqual(expectedOf(manifest, 1).path);
    expect(f.rootCause.id).toBe(expectedOf(manifest, 1).rootCauseId);
    expect(f.affectedSessions.count).toBe(manifest.scenarios[0]!.affectedSessions.length);
  });
});
