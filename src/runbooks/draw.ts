import type { RunbookDocument, RunbookEdge, RunbookNode } from './schema.js';

/**
 * Colours for the terminal drawing, one function per role. The CLI builds one from chalk
 * when colour is enabled; {@link PLAIN} leaves text untouched (pipes, --no-color, NO_COLOR),
 * which keeps this module free of any terminal library.
 */
export interface Palette {
  id(s: string): string;
  decision(s: string): string;
  rootCause(s: string): string;
  exit(s: string): string;
  edge(s: string): string;
  dim(s: string): string;
  heading(s: string): string;
}

const same = (s: string) => s;
export const PLAIN: Palette = { id: same, decision: same, rootCause: same, exit: same, edge: same, dim: same, heading: same };

/** A label on one line: the seed's line breaks become spaces. */
export function oneLine(label: string): string {
  return label.replace(/\s*\n\s*/g, ' ');
}

/**
 * The flowchart as an indented tree: each node on its line under the branch that reaches
 * it, each branch prefixed by its edge label in quotes. A node reached a second time (two
 * root causes sharing "Execute Runbook") is drawn once and referred to after. Decisions are
 * marked with ◆ and their probe is shown in brackets, so the reader sees what will be asked.
 */
export function drawFlowchart(doc: RunbookDocument, p: Palette = PLAIN): string {
  const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const out = new Map<string, RunbookEdge[]>();
  for (const e of doc.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const drawn = new Set<string>();
  const lines: string[] = [];

  const draw = (id: string, lead: string, childIndent: string): void => {
    const node = nodes.get(id);
    if (!node) return;
    if (drawn.has(id)) {
      lines.push(`${lead}${p.id(id)}  ${p.dim(`${oneLine(node.label)} (see above)`)}`);
      return;
    }
    drawn.add(id);
    lines.push(`${lead}${nodeText(node, p)}`);
    const edges = out.get(id) ?? [];
    edges.forEach((e, i) => {
      const last = i === edges.length - 1;
      const label = e.label ? `${p.edge(`"${oneLine(e.label)}"`)} → ` : '';
      draw(e.to, `${childIndent}${last ? '└── ' : '├── '}${label}`, `${childIndent}${last ? '    ' : '│   '}`);
    });
  };
  draw(doc.entry, '', '');
  return lines.join('\n');
}

function nodeText(n: RunbookNode, p: Palette): string {
  const label = oneLine(n.label);
  const probe = 'probe' in n && n.probe ? p.dim(`  [${n.probe}]`) : '';
  switch (n.kind) {
    case 'decision':
      return `${p.id(n.id)} ${p.decision(`◆ ${label}`)}${probe}`;
    case 'root_cause':
      return `${p.id(n.id)}  ${p.rootCause(label)}${probe}${p.dim(`  ⇒ ${n.rootCause.remediations.map((r) => r.action).join(', ')}`)}`;
    case 'exit':
      return `${p.id(n.id)}  ${p.exit(label)}${p.dim(n.runbook ? `  (exit: see runbook ${n.runbook})` : '  (exit: not one of these runbooks)')}`;
    case 'scenario':
      return `${p.id(n.id)}  ${label}${p.dim(`  (runbook ${n.runbook})`)}`;
    default:
      return `${p.id(n.id)}  ${label}${probe}`;
  }
}
