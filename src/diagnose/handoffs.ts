import { oneLine, qualifiedNodeId, type Runbook } from '../runbooks/index.js';

/**
 * Exits that say "no incident here" rather than "another runbook": the alarm fired, but the
 * flowchart rules the scenario out (a different agent on each route is a legitimate
 * multi-agent query). The runbook data does not mark them yet; until it does, they live here.
 */
const BENIGN_EXITS: ReadonlySet<string> = new Set(['s2.D']);

export interface Handoff {
  /** The exit node, qualified (`s1.D`): the id findings and the lab's manifest use for a hand-off. */
  id: string;
  title: string;
  benign: boolean;
}

/** What an exit of a flowchart means for a finding. */
export function handoffOf(runbook: Runbook, nodeId: string): Handoff {
  const node = runbook.nodes.find((n) => n.id === nodeId);
  const id = qualifiedNodeId(runbook, nodeId);
  return { id, title: node ? oneLine(node.label) : nodeId, benign: BENIGN_EXITS.has(id) };
}
