import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Reads test/fixtures/seed-flowcharts.md (the seed's flowcharts and tables, copied
 * verbatim) and parses just enough mermaid to compare flowcharts: node definitions
 * `X["..."]` / `X{"..."}`, edges `X --> Y` / `X -->|"..."| Y`, either inline on one line.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/seed-flowcharts.md', import.meta.url));

export type Shape = 'box' | 'diamond';
export interface ParsedFlowchart {
  /** id -> label (normalized) and shape, for every node given a label. */
  nodes: Map<string, { label: string; shape: Shape }>;
  /** Every node id mentioned, labelled or not. */
  ids: Set<string>;
  /** `from --> to : label` strings (label normalized, empty when none). */
  edges: string[];
}

/** `<br/>` and runs of whitespace become one space; mermaid's `#quot;` becomes `"`. */
export function normalizeLabel(label: string): string {
  return label.replace(/<br\s*\/?>/g, ' ').replace(/#quot;/g, '"').replace(/\s+/g, ' ').trim();
}

/** The fixture's sections by heading (`s1`..`s5`, `tree`, `overview`, `summary`). */
export function seedSections(): Map<string, string> {
  const text = readFileSync(FIXTURE, 'utf8');
  const sections = new Map<string, string>();
  for (const part of text.split(/^## /m).slice(1)) {
    const nl = part.indexOf('\n');
    sections.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return sections;
}

/** The mermaid text of the seed's flowchart for a runbook id. */
export function seedMermaid(id: string): string {
  const section = seedSections().get(id);
  const m = section && /```mermaid\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error(`no mermaid block for ${id} in ${FIXTURE}`);
  return m[1];
}

const NODE = String.raw`([A-Za-z][A-Za-z0-9_]*)(?:\["([^"]*)"\]|\{"([^"]*)"\})?`;
const LINE = new RegExp(String.raw`^${NODE}(?:\s*-->\s*(?:\|"([^"]*)"\|)?\s*${NODE})?$`);

export function parseFlowchart(text: string): ParsedFlowchart {
  const nodes = new Map<string, { label: string; shape: Shape }>();
  const ids = new Set<string>();
  const edges: string[] = [];
  const define = (id: string, box?: string, diamond?: string) => {
    ids.add(id);
    const label = box ?? diamond;
    if (label === undefined) return;
    const def = { label: normalizeLabel(label), shape: (box !== undefined ? 'box' : 'diamond') as Shape };
    const prior = nodes.get(id);
    if (prior && (prior.label !== def.label || prior.shape !== def.shape)) throw new Error(`node ${id} defined twice differently`);
    nodes.set(id, def);
  };
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'flowchart TD') throw new Error(`not a flowchart TD: ${lines[0]}`);
  for (const line of lines.slice(1)) {
    if (/^(classDef|class|linkStyle)\s/.test(line)) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparsed mermaid line: ${line}`);
    define(m[1]!, m[2], m[3]);
    if (m[5]) {
      define(m[5], m[6], m[7]);
      edges.push(`${m[1]} --> ${m[5]} : ${normalizeLabel(m[4] ?? '')}`);
    }
  }
  return { nodes, ids, edges };
}

/** A markdown table's body rows as cells (header and separator dropped). */
export function tableRows(section: string): string[][] {
  return section
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}
