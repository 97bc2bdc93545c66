import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { renderDiagnosis } from '../../src/diagnose/render-text.js';
import { renderReport } from '../../src/diagnose/report.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import { windowFor } from '../../src/diagnose/window.js';
import { loadRunbookSet } from '../../src/runbooks/index.js';
import { asDocument, expectValidDiagnoseDocument } from '../integration/diagnose-schema.js';

const runbooks = loadRunbookSet();

function incident(): DiagnoseResult {
  return {
    status: 'incident',
    exitCode: 3,
    window: { start: '2026-11-28T03:30:00.000Z', end: '2026-11-28T04:00:00.000Z', since: '30m' },
    signals: ['error:JSONDecodeError', 'alarm:sessionErrors'],
    uncheckedSignals: [],
    scenarios: [
      { scenario: 1, runbook: 's1', title: 'Agent memory corruption (Redis deserialization failure)', selectedBy: 'signal', signals: ['alarm:sessionErrors'], result: 'finding', path: ['A', 'B', 'C', 'F', 'G', 'I'], summary: 'root cause: Partial writes during Redis failover' },
      { scenario: 2, runbook: 's2', title: 'Multi-agent routing loop (classifier oscillation)', selectedBy: 'none', signals: [], result: 'not_walked', path: [], summary: 'no alert signal points here' },
    ],
    findings: [
      {
        scenario: 1,
        runbook: 's1',
        title: 'Agent memory corruption (Redis deserialization failure)',
        severity: 'P1',
        verdict: 'root-cause',
        rootCause: { id: 'redis-failover-partial-write', title: 'Partial writes during Redis failover' },
        path: ['A', 'B', 'C', 'F', 'G', 'I'],
        evidence: [
          { node: 'B', probe: 'logs.session_load_error_types', outcome: 'JSONDecodeError', answeredBy: 'probe', source: 'logs', summary: 'JSONDecodeError 300 in 40 sessions', query: 'filter event = "session_load_failed" | stats count(*)' },
          { node: 'F', probe: 'elasticache.failover_events', outcome: 'failover', answeredBy: 'engineer', source: 'engineer', summary: 'answered by hand: Maintenance window or failover' },
        ],
        affectedSessions: { count: 40, sample: ['sess-1', 'sess-2'] },
        remediations: [{ action: 'restore-backup', command: 'manga-oncall fix fleet --scenario 1 --action restore-backup', writes: true, note: 'the backup key parses' }],
      },
    ],
    sources: [{ name: 'logs', status: 'ok', latencyMs: 120, queries: 5, error: null }],
    errors: [],
    timeline: [{ at: '2026-11-28T03:51:38.000Z', source: 'elasticache', what: 'Failover from primary node a to replica node b | completed' }],
    durationMs: 812,
  };
}

describe('the incident report', () => {
  it('draws each finding’s flowchart with the path taken highlighted, then evidence, sessions and commands', () => {
    const md = renderReport(incident(), runbooks, { generatedAt: new Date('2026-11-28T04:00:05Z') });
    expect(md).toContain('# MangaAssist incident report: incident');
    expect(md).toContain('```mermaid\nflowchart TD');
    expect(md).toContain('    class A,B,C,F,G,I taken');
    // Edges A->B, B->C, C->F, F->G, G->I are links 0, 1, 4, 5, 7 of s1.
    expect(md).toContain('    linkStyle 0,1,4,5,7 stroke:#e8590c,stroke-width:3px');
    expect(md).toContain('- **B** Check error type in CloudWatch Logs: **JSONDecodeError**. JSONDecodeError 300 in 40 sessions');
    expect(md).toContain('(answered by hand)');
    expect(md).toContain('manga-oncall fix fleet --scenario 1 --action restore-backup');
    // A pipe in a cell must not break the timeline table.
    expect(md).toContain('replica node b \\| completed');
    expect(md).toContain('| s2 | none | not_walked |');
  });

  it('masks a session view the terminal was allowed to reveal', () => {
    const r: DiagnoseResult = {
      ...incident(),
      session: {
        sessionId: 'sess-1',
        authoritative: { copy: 'redis.backup', reason: 'the Redis backup key holds 4 turns' },
        redis: {},
        dynamodb: {},
        s3: null,
        logs: {},
        problems: [{ scenario: 1, what: '1 of 5 entries are not turns', action: 'restore-backup' }],
        recentTurns: [{ index: 0, role: 'user', content: '私の住所は東京都です' }],
      },
    };
    const md = renderReport(r, runbooks, { contentRevealed: true });
    expect(md).not.toContain('私の住所');
    expect(md).toMatch(/«masked: 10 chars, #[0-9a-f]{6}»/);
    expect(md).toContain('`manga-oncall fix session sess-1 --action restore-backup`');
  });
});

describe('the terminal rendering', () => {
  it('leads with the verdict, then each finding with its path, evidence and commands', () => {
    const text = renderDiagnosis(incident());
    expect(text.split('\n')[0]).toMatch(/^INCIDENT: 1 finding {2}window 03:30:00Z-04:00:00Z \(30m\), 0\.8 s$/);
    expect(text).toContain('ROOT CAUSE: Partial writes during Redis failover');
    expect(text).toContain('path A → B → C → F → G → I');
    expect(text).toContain('F  failover (by hand): answered by hand');
    expect(text).toContain('$ manga-oncall fix fleet --scenario 1 --action restore-backup  (writes)');
  });
});

describe('the published JSON Schema', () => {
  it('accepts a diagnosis and the error document', () => {
    expectValidDiagnoseDocument(asDocument(incident()));
    expectValidDiagnoseDocument({ schemaVersion: 1, command: 'diagnose', error: { code: 'INVALID_SCENARIO', message: '--scenario must be 1..5' } });
  });

  it('rejects a healthy status with findings, and content that is not masked', async () => {
    const { readFileSync } = await import('node:fs');
    const { REPO_ROOT } = await import('../helpers/services.js');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(`${REPO_ROOT}/schemas/diagnose.schema.json`, 'utf8')));
    expect(validate(asDocument({ ...incident(), status: 'healthy', exitCode: 0 }))).toBe(false);
    const leaky = { ...incident(), session: { sessionId: 's', authoritative: { copy: 'none', reason: 'x' }, redis: {}, dynamodb: {}, s3: null, logs: {}, problems: [], recentTurns: [{ index: 0, role: 'user', content: 'hello there' }] } };
    expect(validate(asDocument(leaky))).toBe(false);
  });
});

describe('the window', () => {
  it('reaches back --since from now, 30 minutes by default', () => {
    expect(windowFor(undefined, 1_800_000_000_000)).toEqual({ start: 1_800_000_000_000 - 1_800_000, end: 1_800_000_000_000, since: '30m' });
    expect(windowFor('2h', 10_000_000).start).toBe(10_000_000 - 7_200_000);
  });
  it('refuses nonsense, zero and more than 14 days (exit 2)', () => {
    for (const bad of ['yesterday', '0s', '15d']) expect(() => windowFor(bad)).toThrow(ConfigError);
  });
});
