import { describe, expect, it } from 'vitest';
import { drawFlowchart, loadRunbookSet, RunbookError, toMermaid, type Palette } from '../../src/runbooks/index.js';
import { parseFlowchart, seedMermaid } from '../helpers/seed-flowcharts.js';

const set = loadRunbookSet();
const IDS = ['s1', 's2', 's3', 's4', 's5', 'tree'];

describe('toMermaid reproduces the seed flowcharts from the data', () => {
  it.each(IDS)('%s: exactly the seed nodes (id, label, shape) and edges (from, to, label)', (id) => {
    const seed = parseFlowchart(seedMermaid(id));
    const ours = parseFlowchart(toMermaid(set.find(id)!));
    expect([...ours.ids].sort()).toEqual([...seed.ids].sort());
    expect(Object.fromEntries(ours.nodes)).toEqual(Object.fromEntries(seed.nodes));
    expect([...ours.edges].sort()).toEqual([...seed.edges].sort());
    // No edge drawn twice: the sorted lists above would hide a duplicate on both sides only.
    expect(new Set(ours.edges).size).toBe(ours.edges.length);
  });

  it('the comparison notices a changed label, a missing edge and an extra node', () => {
    const doc = structuredClone(set.find('s2')!);
    const seed = parseFlowchart(seedMermaid('s2'));
    doc.nodes[2]!.label = 'Routing Oscillation\nSuspected';
    expect(Object.fromEntries(parseFlowchart(toMermaid(doc)).nodes)).not.toEqual(Object.fromEntries(seed.nodes));
    const fewer = { ...doc, edges: doc.edges.slice(1) };
    expect(parseFlowchart(toMermaid(fewer)).edges.sort()).not.toEqual(seed.edges.sort());
    const more = { ...doc, nodes: [...doc.nodes, { id: 'Z', kind: 'execute' as const, label: 'extra' }] };
    expect([...parseFlowchart(toMermaid(more)).ids].sort()).not.toEqual([...seed.ids].sort());
  });

  it('quotes labels: line breaks as <br/>, double quotes as #quot;', () => {
    const doc = structuredClone(set.find('s4')!);
    doc.nodes[0]!.label = 'Say "hi"\nthere';
    expect(toMermaid(doc)).toContain('A["Say #quot;hi#quot;<br/>there"]');
  });
});

describe('toMermaid highlights a walked path', () => {
  it('styles the path nodes with classDef/class and its edges with linkStyle by edge index', () => {
    const s1 = set.find('s1')!;
    const out = toMermaid(s1, { highlightPath: ['A', 'B', 'C', 'F', 'H', 'I'] });
    expect(out).toMatch(/^ {4}classDef taken /m);
    expect(out).toMatch(/^ {4}class A,B,C,F,H,I taken$/m);
    const expected = [['A', 'B'], ['B', 'C'], ['C', 'F'], ['F', 'H'], ['H', 'I']].map(([f, t]) => s1.edges.findIndex((e) => e.from === f && e.to === t));
    expect(expected).not.toContain(-1);
    const linkLine = /^ {4}linkStyle ([\d,]+) /m.exec(out);
    expect(linkLine?.[1]?.split(',').map(Number)).toEqual(expected);
    // Mermaid counts links in declaration order: the n-th `-->` line must be edge n.
    const links = out.split('\n').filter((l) => l.includes('-->'));
    expect(links[expected[3]!]).toMatch(/^\s*F -->\|"No events"\| H$/);
    // Still the seed's flowchart underneath.
    expect(parseFlowchart(out).edges.sort()).toEqual(parseFlowchart(seedMermaid('s1')).edges.sort());
  });

  it('has no styling without a path, and rejects a node the runbook lacks', () => {
    expect(toMermaid(set.find('s3')!)).not.toMatch(/classDef|linkStyle/);
    expect(() => toMermaid(set.find('s3')!, { highlightPath: ['A', 'Q'] })).toThrow(RunbookError);
  });
});

describe('drawFlowchart', () => {
  it('draws every node once, each branch with its edge label, shared nodes referred to', () => {
    const text = drawFlowchart(set.find('s1')!);
    const lines = text.split('\n');
    expect(lines[0]).toBe('A  CloudWatch Alarm: manga_session_errors > 50/min  [cloudwatch.session_errors_alarm]');
    expect(lines[1]).toBe('└── B ◆ Check error type in CloudWatch Logs  [logs.session_load_error_types]');
    expect(text).toContain('├── "JSONDecodeError" → C  Redis Deserialization Failure Confirmed');
    expect(text).toContain('└── "KeyError / TypeError" → E  Schema Mismatch — Deployment Issue  (exit: not one of these runbooks)');
    expect(text).toContain('"Maintenance window or failover" → G  ROOT CAUSE: Partial writes during Redis failover');
    expect(lines.filter((l) => l.includes('Execute Runbook 1'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('Execute Runbook 1 (see above)'))).toHaveLength(1);
  });

  it('indents children under their branch so the structure reads as a tree', () => {
    const lines = drawFlowchart(set.find('s2')!).split('\n');
    const depth = (needle: string) => lines.find((l) => l.includes(needle))!.search(/[A-Z"]/);
    expect(depth('B ◆')).toBeLessThan(depth('"Same 2 agents alternating"'));
    expect(depth('"Same 2 agents alternating"')).toBeLessThan(depth('E ◆'));
    expect(depth('E ◆')).toBeLessThan(depth('"All scores < 0.70"'));
  });

  it('every node and every edge label of every runbook appears in its drawing', () => {
    for (const doc of [...set.runbooks, set.tree]) {
      const text = drawFlowchart(doc);
      for (const n of doc.nodes) expect(text).toContain(`${n.id} `);
      for (const e of doc.edges) if (e.label) expect(text).toContain(`"${e.label.replace(/\s*\n\s*/g, ' ')}" → ${e.to}`);
    }
  });

  it('colours through the palette only', () => {
    const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
    const p: Palette = { id: tag('id'), decision: tag('d'), rootCause: tag('rc'), exit: tag('x'), edge: tag('e'), dim: tag('dim'), heading: tag('h') };
    const text = drawFlowchart(set.find('s5')!, p);
    expect(text).toContain('<d>◆ Check concurrent request logs</d>');
    expect(text).toContain('<rc>ROOT CAUSE: Last-writer-wins state corruption</rc>');
    expect(text).toContain('<e>"Single request"</e> → <id>D</id>  <x>Latency issue — different runbook</x>');
  });
});
