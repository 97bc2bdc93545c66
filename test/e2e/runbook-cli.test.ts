import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/services.js';
import { parseFlowchart, seedMermaid } from '../helpers/seed-flowcharts.js';

// The built binary (npm test builds first). No config is needed, but keep the user's away.
const cfgHome = mkdtempSync(join(tmpdir(), 'mo-cfg-'));
const env = { XDG_CONFIG_HOME: cfgHome };
afterAll(() => rmSync(cfgHome, { recursive: true, force: true }));
const ANSI = /\u001b\[/;

describe('manga-oncall runbook list', () => {
  it('prints id, scenario, severity, owner and title of the five runbooks and the tree', async () => {
    const r = await runCli(['runbook', 'list'], { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SCENARIO\s+SEVERITY\s+OWNER\s+SLUG\s+TITLE$/);
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(/^s1\s+1\s+P1\s+Platform Team\s+memory-corruption\s+Agent memory corruption \(Redis deserialization failure\)$/);
    expect(lines[4]).toMatch(/^s4\s+4\s+P3\s+Backend Team\s+session-size\s+DynamoDB session state size limit exceeded$/);
    expect(lines[6]).toMatch(/^tree\s+-/);
    expect(r.stderr).toBe('');
  });

  it('--json prints one document with the rows', async () => {
    const r = await runCli(['runbook', 'list', '--json'], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'runbook list', tree: { id: 'tree' } });
    expect(doc.runbooks).toHaveLength(5);
    expect(doc.runbooks[1]).toEqual({
      id: 's2',
      scenario: 2,
      slug: 'routing-loop',
      title: 'Multi-agent routing loop (classifier oscillation)',
      severity: 'P2',
      owner: 'ML Team',
    });
  });
});

describe('manga-oncall runbook show', () => {
  it('draws the flowchart, then remediations, the summary row and prevention', async () => {
    const r = await runCli(['runbook', 'show', '1'], { env });
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('s1 · Scenario 1 · Agent memory corruption (Redis deserialization failure)');
    expect(out).toContain('└── B ◆ Check error type in CloudWatch Logs  [logs.session_load_error_types]');
    expect(out).toContain('├── "JSONDecodeError" → C  Redis Deserialization Failure Confirmed');
    expect(out).toContain('1. restore-backup (writes)');
    expect(out).toContain('Immediate action:  Load from backup key; fall back to clean session');
    expect(out).toContain('Owner:             Platform Team');
    expect(out).toContain('Load from backup key → Partial recovery → Clean slate');
    expect(out).toContain('  - Maintain a backup key (single JSON blob) updated on every successful save.');
    const order = ['Detection flowchart', 'Root causes and remediations', 'Summary', 'Resolution', 'Prevention'].map((h) => out.indexOf(`\n${h}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(out).not.toMatch(ANSI);
  });

  it('takes the scenario number, the id, the slug or "tree"', async () => {
    const [byNumber, byId, bySlug] = await Promise.all([
      runCli(['runbook', 'show', '3'], { env }),
      runCli(['runbook', 'show', 's3'], { env }),
      runCli(['runbook', 'show', 'tool-timeout-hallucination'], { env }),
    ]);
    expect(byNumber.code).toBe(0);
    expect(byId.stdout).toBe(byNumber.stdout);
    expect(bySlug.stdout).toBe(byNumber.stdout);
    const tree = await runCli(['runbook', 'show', 'tree'], { env });
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('├── "Deserialization / JSON error" → S1  Scenario 1: Memory Corruption  (runbook s1)');
    expect(tree.stdout).toContain('R5  Redis WATCH locking → Request serialization → Version field');
  });

  it.each(['s1', 's2', 's3', 's4', 's5', 'tree'])('--mermaid %s: exactly the seed nodes and edges', async (id) => {
    const r = await runCli(['runbook', 'show', id, '--mermaid'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('flowchart TD\n')).toBe(true);
    const seed = parseFlowchart(seedMermaid(id));
    const ours = parseFlowchart(r.stdout);
    expect([...ours.ids].sort()).toEqual([...seed.ids].sort());
    expect(Object.fromEntries(ours.nodes)).toEqual(Object.fromEntries(seed.nodes));
    expect([...ours.edges].sort()).toEqual([...seed.edges].sort());
  });

  it('--json gives the runbook data and the probes to prefetch; with --mermaid, the mermaid text', async () => {
    const r = await runCli(['runbook', 'show', 's5', '--json'], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.command).toBe('runbook show');
    expect(doc.runbook).toMatchObject({ id: 's5', scenario: 5, severity: 'P1', summary: { owner: 'Platform Team' } });
    expect(doc.runbook.nodes.map((n: { id: string }) => n.id)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    expect(doc.probes).toContain('logs.watch_conflicts');
    const m = JSON.parse((await runCli(['runbook', 'show', 'tree', '--mermaid', '--json'], { env })).stdout);
    expect(m.runbook).toBe('tree');
    expect(m.mermaid.split('\n')[0]).toBe('flowchart TD');
  });

  it('an unknown id is a usage error (exit 2) listing the valid ids', async () => {
    const r = await runCli(['runbook', 'show', '9'], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown runbook "9"');
    for (const id of ['1', 's1', 'memory-corruption', '5', 'coordination-deadlock', 'tree']) expect(r.stderr).toContain(id);
    const j = await runCli(['runbook', 'show', 'nope', '--json'], { env });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ schemaVersion: 1, command: 'runbook show', error: { code: 'UNKNOWN_RUNBOOK' } });
  });

  it('colours only when enabled: FORCE_COLOR colours, --no-color does not', async () => {
    const colourEnv = { ...env, FORCE_COLOR: '1', NO_COLOR: '' };
    const coloured = await runCli(['runbook', 'show', '2'], { env: colourEnv });
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toMatch(ANSI);
    const plain = await runCli(['runbook', 'show', '2', '--no-color'], { env: colourEnv });
    expect(plain.stdout).not.toMatch(ANSI);
    expect(plain.stdout).toBe(coloured.stdout.replace(/\u001b\[[0-9;]*m/g, ''));
  });
});
