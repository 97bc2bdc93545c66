import { RunbookError } from './errors.js';
import type { RunbookDocument, RunbookNode } from './schema.js';

export interface MermaidOptions {
  /**
   * Node ids of a walk, in order (a finding's `path`): those nodes and the edges between
   * consecutive ones are highlighted, so a report shows the way the diagnosis went.
   */
  highlightPath?: readonly string[];
}

/**
 * The runbook as a mermaid `flowchart TD`, generated from the data so picture and walker
 * never drift: decisions as `{"..."}`, every other node as `["..."]`, labels quoted with
 * line breaks as `<br/>`, edge labels as `-->|"..."|`. Nodes are declared first, then edges
 * in the file's order, so edge i is mermaid's link i (which `linkStyle` counts by).
 */
export function toMermaid(doc: RunbookDocument, opts: MermaidOptions = {}): string {
  const lines = ['flowchart TD'];
  for (const n of doc.nodes) lines.push(`    ${n.id}${shape(n)}`);
  for (const e of doc.edges) lines.push(`    ${e.from} -->${e.label ? `|${quote(e.label)}|` : ''} ${e.to}`);

  const path = opts.highlightPath ?? [];
  if (path.length) {
    const ids = new Set(doc.nodes.map((n) => n.id));
    const unknown = path.filter((id) => !ids.has(id));
    if (unknown.length) throw new RunbookError('UNKNOWN_NODE', `runbook ${doc.id} has no node ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);
    const links: number[] = [];
    for (let i = 1; i < path.length; i++) {
      const index = doc.edges.findIndex((e) => e.from === path[i - 1] && e.to === path[i]);
      if (index >= 0 && !links.includes(index)) links.push(index);
    }
    lines.push('    classDef taken fill:#fff3bf,stroke:#e8590c,stroke-width:3px');
    lines.push(`    class ${[...new Set(path)].join(',')} taken`);
    if (links.length) lines.push(`    linkStyle ${links.join(',')} stroke:#e8590c,stroke-width:3px`);
  }
  return lines.join('\n');
}

function shape(n: RunbookNode): string {
  return n.kind === 'decision' ? `{${quote(n.label)}}` : `[${quote(n.label)}]`;
}

/** A mermaid string: a double quote is written as the `#quot;` entity; newlines as `<br/>`. */
function quote(label: string): string {
  return `"${label.replace(/"/g, '#quot;').replace(/\r?\n/g, '<br/>')}"`;
}
