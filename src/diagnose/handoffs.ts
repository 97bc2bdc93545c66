import { oneLine, qualifiedNodeId, type Runbook } from '../runbooks/index.js';

/**
 * What an exit of a flowchart means for a finding: the stable id the lab's manifest and the
 * findings use for the hand-off, and whether it is benign (the flowchart's "not a loop":
 * nothing to hand over, the alarm was a false positive). The runbook data names the exit's
 * reason and target runbook but no id; until it does, the ids live here, keyed by node.
 */
const HANDOFFS: Readonly<Record<string, { id: string; benign?: true }>> = {
  's1.D': { id: 'redis-connectivity' },
  's1.E': { id: 'schema-mismatch-deployment' },
  's2.D': { id: 'legitimate-multi-agent', benign: true },
  's3.H': { id: 'response-pipeline' },
  's4.D': { id: 'other-validation-error' },
  's5.D': { id: 'latency-without-concurrency' },
};

export interface Handoff {
  id: string;
  title: string;
  benign: boolean;
}

/** The hand-off an exit node stands for; an exit not listed gets an id from its runbook and node. */
export function handoffOf(runbook: Runbook, nodeId: string): Handoff {
  const node = runbook.nodes.find((n) => n.id === nodeId);
  const known = HANDOFFS[qualifiedNodeId(runbook, nodeId)];
  return {
    id: known?.id ?? `${runbook.id}-${nodeId.toLowerCase()}-handoff`,
    title: node ? oneLine(node.label) : nodeId,
    benign: known?.benign === true,
  };
}
