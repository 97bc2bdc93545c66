import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  defaultRunbookDir,
  loadRunbookSet,
  parseRunbookDocument,
  PROBE_IDS,
  PROBES,
  probesOf,
  RunbookError,
} from '../../src/runbooks/index.js';
import { seedSections, tableRows } from '../helpers/seed-flowcharts.js';

const set = loadRunbookSet();
const FILES = {
  s1: 's1-memory-corruption.json',
  s3: 's3-tool-timeout-hallucination.json',
  tree: 'tree.json',
} as const;

function rawDoc(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(defaultRunbookDir(), name), 'utf8'));
}

/** The RunbookError that `fn` throws (failing the test when it throws nothing or another error). */
function errorOf(fn: () => unknown): RunbookError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RunbookError);
    return err as RunbookError;
  }
  throw new Error('expected a RunbookError, nothing was thrown');
}

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mo-runbooks-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of runbooks/ in a temp dir, with one file replaced. */
function dirWith(name: string, content: string): string {
  const dir = tempDir();
  cpSync(defaultRunbookDir(), dir, { recursive: true });
  writeFileSync(join(dir, name), content);
  return dir;
}

describe('the shipped runbooks', () => {
  it('load as five runbooks and a tree, found by number, id, slug or "tree"', () => {
    expect(set.runbooks.map((r) => r.id)).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(set.find('1')).toBe(set.find('s1'));
    expect(set.find('memory-corruption')).toBe(set.find('s1'));
    expect(set.find('Routing-Loop')?.id).toBe('s2');
    expect(set.find(' TREE ')?.id).toBe('tree');
    expect(set.find('6')).toBeUndefined();
    expect(set.find('s1.B')).toBeUndefined();
    expect(set.refs()).toEqual(expect.arrayContaining(['1', 's5', 'session-size', 'tree']));
  });

  it('carry the seed overview table: title, severity, blast radius, detection time', () => {
    const rows = tableRows(seedSections().get('overview')!);
    expect(rows).toHaveLength(5);
    for (const [n, title, severity, blast, detection] of rows) {
      const rb = set.find(n!);
      expect(rb?.kind).toBe('runbook');
      if (rb?.kind !== 'runbook') continue;
      expect([rb.title, `${rb.severity} — ${rb.severityLabel}`, rb.blastRadius, rb.detectionTime]).toEqual([title, severity, blast, detection]);
    }
  });

  it('carry the seed summary row: detection signal, immediate action, long-term fix, owner', () => {
    const rows = tableRows(seedSections().get('summary')!);
    expect(rows).toHaveLength(5);
    for (const [scenario, signal, action, fix, owner] of rows) {
      const [n, short] = scenario!.split('. ');
      const rb = set.runbook(`s${n}`)!;
      expect(rb.shortTitle).toBe(short);
      expect(rb.summary).toEqual({ detectionSignal: signal, immediateAction: action, longTermFix: fix, owner });
    }
  });

  it('bind every decision to a probe and every root cause to contract actions', () => {
    for (const rb of set.runbooks) {
      const causes = rb.nodes.filter((n) => n.kind === 'root_cause');
      expect(causes.length).toBeGreaterThan(0);
      for (const c of causes) {
        if (c.kind !== 'root_cause') continue;
        expect(c.rootCause.severity).toBe(rb.severity);
        for (const r of c.rootCause.remediations) expect(ACTION_NAMES).toContain(r.action);
      }
      expect(rb.prevention.length).toBeGreaterThanOrEqual(4);
    }
    const used = new Set(set.runbooks.flatMap((rb) => rb.nodes.flatMap((n) => (n.kind === 'root_cause' ? n.rootCause.remediations.map((r) => r.action) : []))));
    expect([...used].sort()).toEqual([...ACTION_NAMES].sort());
  });
});

describe('probe ids', () => {
  it('are unique, one-line described, with distinct outcomes', () => {
    expect(new Set(PROBE_IDS).size).toBe(PROBE_IDS.length);
    for (const p of PROBES) {
      expect(p.id).toMatch(/^(cloudwatch|logs|catalog|elasticache|redis|dynamodb|triage)\.[a-z0-9_]+$/);
      expect(p.description).not.toMatch(/\n/);
      expect(p.description.length).toBeGreaterThan(10);
      expect(new Set<string>(p.outcomes).size).toBe(p.outcomes.length);
    }
  });

  it('are all used by some runbook, and every probe a runbook uses is listed', () => {
    const used = new Set([...set.runbooks, set.tree].flatMap((d) => probesOf(d)));
    expect([...used].sort()).toEqual([...PROBE_IDS].sort());
  });

  it('include the brief’s sources: four alarms, the Logs Insights questions, failover, Redis and DynamoDB scans', () => {
    expect(PROBE_IDS.filter((id) => id.startsWith('cloudwatch.'))).toHaveLength(4);
    for (const id of ['logs.session_load_error_types', 'logs.routing_pattern', 'logs.routing_confidence', 'logs.tool_timeout_continuation', 'catalog.unknown_response_titles', 'logs.session_save_failed_message', 'logs.concurrent_session_requests', 'logs.watch_conflicts', 'elasticache.failover_events', 'dynamodb.long_sessions']) {
      expect(PROBE_IDS).toContain(id);
    }
    expect(PROBE_IDS.some((id) => id.startsWith('redis.'))).toBe(true);
  });
});

describe('a broken runbook file gives an error naming the file and the field', () => {
  it('an unknown probe id', () => {
    const doc = rawDoc(FILES.s1);
    doc.nodes[1].probe = 'logs.nope';
    const err = errorOf(() => parseRunbookDocument(doc, 'runbooks/s1.json'));
    expect(err.code).toBe('INVALID_RUNBOOK');
    expect(err.file).toBe('runbooks/s1.json');
    expect(err.message).toContain('runbooks/s1.json');
    expect(err.issues).toEqual([expect.stringMatching(/^nodes\[1\] \(B\)\.probe: unknown probe id "logs\.nope"/)]);
  });

  it('a missing label, a bad action, a bad severity: each named', () => {
    const doc = rawDoc(FILES.s1);
    delete doc.nodes[2].label;
    doc.nodes[6].rootCause.remediations[0].action = 'reboot';
    doc.severity = 'P0';
    const err = errorOf(() => parseRunbookDocument(doc, 'x.json'));
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\[2\] \(C\)\.label: /),
        expect.stringMatching(/^nodes\[6\] \(G\)\.rootCause\.remediations\[0\]\.action: unknown action "reboot"/),
        expect.stringMatching(/^severity: /),
      ]),
    );
  });

  it('an unknown node kind and an unknown field', () => {
    const doc = rawDoc(FILES.s1);
    doc.nodes[3].kind = 'dead_end';
    doc.colour = 'red';
    const err = errorOf(() => parseRunbookDocument(doc, 'x.json'));
    expect(err.issues.some((i) => i.startsWith('nodes[3] (D).kind'))).toBe(true);
    expect(err.issues.some((i) => i.includes('colour'))).toBe(true);
  });

  it('an edge to a node that does not exist', () => {
    const doc = rawDoc(FILES.s1);
    doc.edges[3].to = 'Z';
    expect(errorOf(() => parseRunbookDocument(doc, 'x.json')).issues).toContain('edges[3].to: no node "Z"');
  });

  it('an outcome the probe does not have, a decision edge without outcomes, an outcome on two edges', () => {
    const doc = rawDoc(FILES.s1);
    doc.edges[1].outcomes = ['JSONError'];
    delete doc.edges[2].outcomes;
    doc.edges[3].outcomes = ['KeyError', 'TypeError', 'JSONDecodeError'];
    const issues = errorOf(() => parseRunbookDocument(doc, 'x.json')).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^edges\[1\] \(B --> C\)\.outcomes: "JSONError" is not an outcome of logs\.session_load_error_types/),
        expect.stringMatching(/^edges\[2\] \(B --> D\)\.outcomes: every edge of decision B must name/),
      ]),
    );
    const dup = rawDoc(FILES.s1);
    dup.edges[3].outcomes = ['KeyError', 'JSONDecodeError'];
    expect(errorOf(() => parseRunbookDocument(dup, 'x.json')).issues).toEqual([
      expect.stringMatching(/^edges\[3\] \(B --> E\)\.outcomes: "JSONDecodeError" already takes the edge to C/),
    ]);
  });

  it('outcomes on an edge out of a finding, two edges out of a finding, an exit with an edge', () => {
    const doc = rawDoc(FILES.s1);
    doc.edges[4].outcomes = ['found'];
    const first = errorOf(() => parseRunbookDocument(doc, 'x.json')).issues;
    expect(first).toEqual([expect.stringMatching(/only decision and query nodes branch on outcomes \(C is a finding\)/)]);
    const two = rawDoc(FILES.s1);
    two.edges.push({ from: 'C', to: 'D' });
    expect(errorOf(() => parseRunbookDocument(two, 'x.json')).issues).toEqual([expect.stringMatching(/^node C: a finding node has at most one outgoing edge, it has 2/)]);
    const exit = rawDoc(FILES.s1);
    exit.edges.push({ from: 'D', to: 'I' });
    expect(errorOf(() => parseRunbookDocument(exit, 'x.json')).issues).toEqual([expect.stringMatching(/an exit node ends the walk/)]);
  });

  it('a cycle, an unreachable node, an entry that is not a signal', () => {
    const cyc = rawDoc(FILES.s3);
    cyc.edges.find((e: any) => e.from === 'E').to = 'C'; // E --> C closes C -> D -> E -> C
    const issues = errorOf(() => parseRunbookDocument(cyc, 'x.json')).issues;
    expect(issues.some((i) => /^edges: cycle C --> D --> E --> C$/.test(i))).toBe(true);

    const orphan = rawDoc(FILES.s1);
    orphan.nodes.push({ id: 'J', kind: 'finding', label: 'orphan' });
    orphan.edges.push({ from: 'J', to: 'I' });
    expect(errorOf(() => parseRunbookDocument(orphan, 'x.json')).issues).toEqual(['node J: not reachable from the entry A']);

    const entry = rawDoc(FILES.s1);
    entry.entry = 'B';
    expect(errorOf(() => parseRunbookDocument(entry, 'x.json')).issues).toContain('entry: node "B" is a decision, the entry must be a signal');
  });

  it('an "Execute Runbook" step reachable without a root cause', () => {
    const doc = rawDoc(FILES.s1);
    const h = doc.nodes.find((n: any) => n.id === 'H');
    h.kind = 'finding';
    delete h.rootCause;
    expect(errorOf(() => parseRunbookDocument(doc, 'x.json')).issues).toEqual(['node I: some path reaches this execute step without passing a root_cause node']);
  });

  it('tree kinds in a runbook, runbook kinds in the tree', () => {
    const doc = rawDoc(FILES.s1);
    doc.nodes[3] = { id: 'D', kind: 'scenario', label: 'x', runbook: 's5' };
    expect(errorOf(() => parseRunbookDocument(doc, 'x.json')).issues).toContain('nodes[3] (D).kind: "scenario" is not allowed in a runbook file');
  });

  it('through loadRunbookSet: invalid JSON and a bad file name the file on disk', () => {
    const dir = dirWith(FILES.s3, '{ "kind": "runbook", ');
    const err = errorOf(() => loadRunbookSet(dir));
    expect(err.file).toBe(join(dir, FILES.s3));
    expect(err.message).toContain(`${join(dir, FILES.s3)} is not valid JSON`);

    const doc = rawDoc(FILES.s3);
    doc.nodes[1].probe = 'catalog.nope';
    const dir2 = dirWith(FILES.s3, JSON.stringify(doc));
    expect(errorOf(() => loadRunbookSet(dir2)).message).toMatch(new RegExp(`${FILES.s3} is not a valid runbook\\n {2}- nodes\\[1\\] \\(B\\)\\.probe: unknown probe id`));
  });

  it('the files must fit together: tree resolution = runbook resolution, scenario boxes name runbooks', () => {
    const tree = rawDoc(FILES.tree);
    tree.nodes.find((n: any) => n.id === 'R2').label = 'Detect oscillation\n→ Pin agent';
    const err = errorOf(() => loadRunbookSet(dirWith(FILES.tree, JSON.stringify(tree))));
    expect(err.file?.endsWith(FILES.tree)).toBe(true);
    expect(err.issues).toEqual([expect.stringMatching(/^node R2\.label: differs from the resolution of .*s2-routing-loop\.json/)]);

    const s1 = rawDoc(FILES.s1);
    s1.id = 's2';
    expect(errorOf(() => loadRunbookSet(dirWith(FILES.s1, JSON.stringify(s1)))).issues).toEqual(['id: "s2" must be s1 for scenario 1']);

    const noTree = tempDir();
    writeFileSync(join(noTree, FILES.s1), JSON.stringify(rawDoc(FILES.s1)));
    expect(errorOf(() => loadRunbookSet(noTree)).issues).toEqual(['expected exactly one file of kind "tree", found 0']);
  });
});
