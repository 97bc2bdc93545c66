import { drawFlowchart, oneLine, PLAIN, type Palette } from './draw.js';
import type { RunbookSet } from './load.js';
import type { DecisionTree, Runbook, RunbookDocument } from './schema.js';

/**
 * The text of `runbook show`: the header, the flowchart, what each root cause is fixed
 * with, the summary row, the tree's resolution and the prevention list. Returns a string;
 * the caller decides where it goes.
 */
export function describeDocument(doc: RunbookDocument, set: RunbookSet, p: Palette = PLAIN): string {
  return doc.kind === 'tree' ? describeTree(doc, set, p) : describeRunbook(doc, set, p);
}

function describeRunbook(rb: Runbook, set: RunbookSet, p: Palette): string {
  const resolutionNode = set.tree.nodes.find((n) => n.kind === 'resolution' && n.runbook === rb.id);
  const out = [
    p.heading(`${rb.id} · Scenario ${rb.scenario} · ${rb.title}`),
    `Severity:           ${rb.severity} — ${rb.severityLabel}`,
    `Blast radius:       ${rb.blastRadius}`,
    `Typical detection:  ${rb.detectionTime}`,
    `Aliases:            ${rb.scenario}, ${rb.id}, ${rb.slug}`,
    '',
    p.heading('Detection flowchart'),
    indent(drawFlowchart(rb, p)),
    '',
    p.heading('Root causes and remediations'),
  ];
  for (const n of rb.nodes) {
    if (n.kind !== 'root_cause') continue;
    out.push(`  ${p.id(n.id)}  ${p.rootCause(n.rootCause.title)} (${n.rootCause.severity}, id ${n.rootCause.id})`);
    n.rootCause.remediations.forEach((r, i) => {
      out.push(`      ${i + 1}. ${r.action}${r.writes ? ' (writes)' : ''}: ${r.note}`);
    });
  }
  out.push(
    '',
    p.heading('Summary'),
    `  Detection signal:  ${rb.summary.detectionSignal}`,
    `  Immediate action:  ${rb.summary.immediateAction}`,
    `  Long-term fix:     ${rb.summary.longTermFix}`,
    `  Owner:             ${rb.summary.owner}`,
    '',
    p.heading(`Resolution${resolutionNode ? ` (tree ${resolutionNode.id})` : ''}`),
    `  ${rb.resolution.join(' → ')}`,
    '',
    p.heading('Prevention'),
    ...rb.prevention.map((line) => `  - ${line}`),
  );
  return out.join('\n');
}

function describeTree(tree: DecisionTree, set: RunbookSet, p: Palette): string {
  const out = [p.heading(`tree · ${tree.title}`), '', p.heading('Flowchart'), indent(drawFlowchart(tree, p)), '', p.heading('Scenarios')];
  for (const rb of set.runbooks) {
    out.push(`  ${p.id(rb.id)}  ${rb.severity}  ${rb.title}  (owner: ${rb.summary.owner})`);
    out.push(`      ${rb.resolution.join(' → ')}`);
  }
  const q = tree.edges.filter((e) => e.outcomes);
  if (q.length) {
    out.push('', p.heading('Signals'));
    for (const e of q) out.push(`  ${oneLine(e.label ?? e.to)} → ${e.to}: ${(e.outcomes ?? []).join(', ')}`);
  }
  return out.join('\n');
}

function indent(block: string): string {
  return block
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
