import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../../src/cli/commands/diagnose-run.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import { asDocument, expectValidDiagnoseDocument } from './diagnose-schema.js';
import { startTestLab, type TestLab } from './diagnose-lab.js';

/**
 * The five incidents of the seed, each in its default variant, in one lab: diagnose names
 * each root cause with the flowchart path the manifest expects and the sessions it seeded;
 * a lab of background sessions only is healthy. Every body is checked against the schema.
 */
let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => lab?.stop());

/** A generous timeout: these tests check verdicts, not speed (the bench does). */
async function diagnoseLab(opts: { scenario?: number } = {}): Promise<DiagnoseResult> {
  const body = await runDiagnose(lab.config, { timeoutMs: 30_000, ...opts });
  expectValidDiagnoseDocument(asDocument(body));
  return body;
}

describe('all five incidents seeded at once', () => {
  let manifest: SeedManifest;
  let result: DiagnoseResult;
  beforeAll(async () => {
    manifest = await lab.seed({ scenarios: 'all', sessions: 150 });
    result = await diagnoseLab();
  });

  it('is an incident (exit 3) with one finding per scenario, every source answering', () => {
    expect(result.status).toBe('incident');
    expect(result.exitCode).toBe(3);
    expect(result.findings.map((f) => f.scenario).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result.sources.map((s) => [s.name, s.status])).toEqual(
      expect.arrayContaining([['cloudwatch', 'ok'], ['logs', 'ok'], ['elasticache', 'ok'], ['redis', 'ok'], ['dynamodb', 'ok']]),
    );
    expect(result.errors).toEqual([]);
  });

  it('names each root cause with the path of node ids the manifest expects', () => {
    for (const s of manifest.scenarios) {
      const f = result.findings.find((x) => x.scenario === s.scenario);
      expect(f, `scenario ${s.scenario}`).toBeDefined();
      expect(f?.rootCause.id).toBe(s.expected.rootCauseId);
      expect(f?.path).toEqual(s.expected.path);
      expect(f?.verdict).toBe('root-cause');
    }
  });

  it('counts exactly the sessions each scenario touched, and samples only those', () => {
    for (const s of manifest.scenarios) {
      const f = result.findings.find((x) => x.scenario === s.scenario)!;
      expect(f.affectedSessions.count, `scenario ${s.scenario}`).toBe(s.affectedSessions.length);
      for (const id of f.affectedSessions.sample) expect(s.affectedSessions).toContain(id);
    }
  });

  it('finds scenario 3 without any alarm: the proactive catalog check', () => {
    expect(manifest.scenarios.find((s) => s.scenario === 3)?.expected.alarm).toBeNull();
    expect(result.signals).toContain('report:wrong_data');
    const f = result.findings.find((x) => x.scenario === 3)!;
    const titles = (manifest.scenarios.find((s) => s.scenario === 3)?.details.turns as { inventedTitles: string[] }[]).flatMap((t) => t.inventedTitles);
    const catalog = f.evidence.find((e) => e.probe === 'catalog.unknown_response_titles')!;
    for (const t of titles.slice(0, 3)) expect(catalog.summary + JSON.stringify(catalog.data)).toContain(t);
  });

  it('offers the runbook remediations as fix commands, in cascade order', () => {
    const s1 = result.findings.find((f) => f.scenario === 1)!;
    expect(s1.remediations.map((r) => r.action)).toEqual(['restore-backup', 'partial-recover', 'clean-slate']);
    expect(s1.remediations[0]?.command).toBe('manga-oncall fix fleet --scenario 1 --action restore-backup');
    expect(s1.remediations.every((r) => r.writes)).toBe(true);
    expect(result.findings.find((f) => f.scenario === 5)?.remediations.map((r) => r.action)).toContain('release-lock');
  });

  it('puts the signals on one timeline, the failover before the first load failure', () => {
    const failover = result.timeline.findIndex((t) => t.source === 'elasticache' && /Failover/.test(t.what));
    const firstLoadFailure = result.timeline.findIndex((t) => /session_load_failed/.test(t.what));
    expect(failover).toBeGreaterThanOrEqual(0);
    expect(firstLoadFailure).toBeGreaterThan(failover);
    const times = result.timeline.map((t) => Date.parse(t.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('never puts message content in the evidence', () => {
    const json = JSON.stringify(result);
    // Users of the lab ask in Japanese or English; their messages only ever appear masked.
    expect(json).not.toMatch(/おすすめは|I recommend|You might enjoy/);
  });

  it('with --scenario walks only that runbook', async () => {
    const only = await diagnoseLab({ scenario: 4 });
    expect(only.findings.map((f) => f.scenario)).toEqual([4]);
    expect(only.scenarios.filter((c) => c.result === 'not_walked').map((c) => c.scenario)).toEqual([1, 2, 3, 5]);
  });
});

describe('a healthy lab (background sessions only)', () => {
  it('is healthy, exit 0, with no finding and every scenario either quiet or ruled out', async () => {
    await lab.seed({ scenarios: 'none', sessions: 200 });
    const result = await diagnoseLab();
    expect(result.status).toBe('healthy');
    expect(result.exitCode).toBe(0);
    expect(result.findings).toEqual([]);
    expect(result.signals).toEqual([]);
    expect(result.scenarios.every((c) => c.result === 'not_walked' || c.result === 'not_observed')).toBe(true);
  });

  it('stays healthy when asked about one scenario by hand', async () => {
    const result = await diagnoseLab({ scenario: 5 });
    expect(result.status).toBe('healthy');
    expect(result.scenarios.find((c) => c.scenario === 5)?.result).toBe('not_observed');
  });
});
