import type { DecisionTree, RunbookEdge } from './schema.js';

/**
 * An alert signal, as the tree's edges name them:
 * - `alarm:<key>`: a firing alarm, by its key in the config's `names.alarms`
 *   (`sessionErrors`, `routingCount`, `p99Latency`, `validationErrors`);
 * - `error:<type>`: an error type seen in the logs (`JSONDecodeError`, `ValidationException`,
 *   `WatchError`);
 * - `report:<kind>`: a human report (`wrong_data`: a user says the bot named a manga that
 *   does not exist).
 */
export type Signal = `alarm:${string}` | `error:${string}` | `report:${string}`;

/** One scenario the tree sends a set of signals to. */
export interface ScenarioSelection {
  /** The runbook to walk: `s1`..`s5`. */
  runbook: string;
  /** The tree's scenario node, e.g. `S1`. */
  node: string;
  /** The label of the tree edge that led there, e.g. "Deserialization / JSON error". */
  via: string;
  /** The given signals that chose it. */
  matched: Signal[];
}

/**
 * Maps signals to scenarios through the tree's edges. Unlike a walk, which takes one branch,
 * several incidents can be live at once, so every branch some signal matches is followed.
 * Returns scenarios in the tree's edge order, each once; empty when no signal matches.
 */
export function selectScenarios(tree: DecisionTree, signals: Iterable<Signal>): ScenarioSelection[] {
  const given = new Set<string>(signals);
  const out = new Map<string, RunbookEdge[]>();
  for (const e of tree.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const nodes = new Map(tree.nodes.map((n) => [n.id, n]));
  const selected = new Map<string, ScenarioSelection>();

  const visit = (id: string, via: string, matched: Signal[]): void => {
    const node = nodes.get(id);
    if (!node) return;
    if (node.kind === 'scenario') {
      const prior = selected.get(node.runbook);
      if (prior) prior.matched = [...new Set([...prior.matched, ...matched])];
      else selected.set(node.runbook, { runbook: node.runbook, node: node.id, via, matched });
      return;
    }
    for (const edge of out.get(id) ?? []) {
      if (!edge.outcomes) {
        visit(edge.to, via, matched);
        continue;
      }
      const hits = edge.outcomes.filter((o) => given.has(o)) as Signal[];
      if (hits.length) visit(edge.to, (edge.label ?? edge.to).replace(/\s*\n\s*/g, ' '), [...matched, ...hits]);
    }
  };
  visit(tree.entry, '', []);
  return [...selected.values()];
}
