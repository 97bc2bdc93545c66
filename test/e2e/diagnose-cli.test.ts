import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfigFile } from '../../src/lab/lab-config.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import { runCli } from '../helpers/services.js';
import { startTestLab, type TestLab } from '../integration/diagnose-lab.js';
import { expectValidDiagnoseDocument } from '../integration/diagnose-schema.js';

/**
 * The built binary (npm test builds first) against in-process lab services, through a
 * config file as an engineer would point it at production: stdout, stderr and exit codes.
 */
const dir = mkdtempSync(join(tmpdir(), 'mo-diag-'));
const configPath = join(dir, 'config.json');
const env = { XDG_CONFIG_HOME: dir };
let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
  // A generous per-source timeout: these tests check behaviour on a loaded machine, not speed.
  writeFileSync(configPath, JSON.stringify({ ...labConfigFile(lab.endpoints), timeoutMs: 30_000 }));
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const diagnoseCli = (args: string[]) => runCli(['diagnose', '--config', configPath, ...args], { env, timeoutMs: 90_000 });

describe('manga-oncall diagnose on the five seeded incidents', () => {
  let manifest: SeedManifest;
  beforeAll(async () => {
    manifest = await lab.seed({ scenarios: 'all', sessions: 100 });
  });

  it('--json: one document on stdout, exit 3, every finding with a command carrying --config', async () => {
    const r = await diagnoseCli(['--json']);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expectValidDiagnoseDocument(doc);
    expect(doc.status).toBe('incident');
    expect(doc.findings.map((f: { rootCause: { id: string } }) => f.rootCause.id).sort()).toEqual(manifest.scenarios.map((s) => s.expected.rootCauseId).sort());
    for (const f of doc.findings) for (const rem of f.remediations) expect(rem.command).toMatch(new RegExp(`^manga-oncall fix fleet --scenario ${f.scenario} --action ${rem.action} --config ${configPath}$`));
    // Progress and warnings never reach stdout in JSON mode; the secrets of the config never appear.
    expect(r.stdout).not.toContain('lab-secret');
    expect(r.stderr).not.toContain('lab-secret');
  });

  it('text and --report: the verdict on stdout, progress on stderr, a Markdown report with highlighted flowcharts', async () => {
    const report = join(dir, 'incident.md');
    const r = await diagnoseCli(['--report', report]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^INCIDENT: 5 findings/);
    expect(r.stdout).toContain('ROOT CAUSE: Partial writes during Redis failover');
    expect(r.stdout).toContain('$ manga-oncall fix fleet --scenario 4 --action compact');
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toContain('diagnosing the last 30m');
    expect(r.stderr).toContain(`incident report written to ${report}`);
    const md = readFileSync(report, 'utf8');
    expect(md).toMatch(/^# MangaAssist incident report: incident/);
    expect(md.match(/```mermaid/g)).toHaveLength(5);
    expect(md).toContain('class A,B,C,F,G,I taken');
    expect(md).toContain('## Timeline');
    expect(md).toContain('manga-oncall fix fleet --scenario 1 --action restore-backup');
  });
});

describe('manga-oncall diagnose on a healthy lab', () => {
  it('exits 0 with status healthy', async () => {
    await lab.seed({ scenarios: 'none', sessions: 60 });
    const r = await diagnoseCli(['--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expectValidDiagnoseDocument(doc);
    expect(doc).toMatchObject({ status: 'healthy', findings: [], exitCode: 0 });
  });

  it('exits 4 when CloudWatch Logs hangs past --timeout, naming the source', async () => {
    lab.emulator.faults.inject({ service: 'logs', kind: 'hang' });
    try {
      const r = await diagnoseCli(['--json', '--timeout', '3s']);
      expect(r.code).toBe(4);
      const doc = JSON.parse(r.stdout);
      expectValidDiagnoseDocument(doc);
      expect(doc.status).toBe('inconclusive');
      expect(doc.sources.find((s: { name: string }) => s.name === 'logs')).toMatchObject({ status: 'error', error: { kind: 'timeout' } });
    } finally {
      lab.emulator.faults.clear();
    }
  });
});

describe('manga-oncall diagnose usage errors (exit 2, nothing touched)', () => {
  it.each([
    [['--scenario', '7'], 'INVALID_SCENARIO'],
    [['--session', 'sess 1'], 'INVALID_SESSION_ID'],
    [['--since', 'yesterday'], 'CONFIG_INVALID'],
  ])('%j gives a JSON error document', async (args, code) => {
    const r = await runCli(['diagnose', '--json', '--config', join(dir, 'missing.json'), ...args], { env });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expectValidDiagnoseDocument(doc);
    expect(doc.error.code).toBe(code);
  });
});
