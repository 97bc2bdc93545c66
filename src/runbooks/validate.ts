import { RunbookError } from './errors.js';
import { probeSpec } from './probe-ids.js';
import { documentSchema, type RunbookDocument, type RunbookEdge, type RunbookNode, type NodeKind } from './schema.js';

/** Kinds allowed in each kind of file. */
const KINDS_OF: Record<RunbookDocument['kind'], readonly NodeKind[]> = {
  runbook: ['signal', 'decision', 'query', 'finding', 'root_cause', 'exit', 'execute'],
  tree: ['signal', 'decision', 'scenario', 'resolution'],
};
/** Kinds that end a walk: they have no outgoing edge. */
const TERMINAL: readonly NodeKind[] = ['exit', 'execute', 'resolution'];

/**
 * Validates one parsed file of `runbooks/` against the schema and the graph rules, and
 * returns it typed. Throws {@link RunbookError} `INVALID_RUNBOOK` naming `file` and every
 * faulty field, e.g. `nodes[1] (B).probe: unknown probe id "logs.nope"`.
 */
export function parseRunbookDocument(raw: unknown, file: string): RunbookDocument {
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${formatPath(i.path, raw)}: ${i.message}`);
    throw new RunbookError('INVALID_RUNBOOK', `${file} is not a valid runbook`, { file, issues });
  }
  const issues = graphIssues(parsed.data);
  if (issues.length) throw new RunbookError('INVALID_RUNBOOK', `${file} is not a valid runbook`, { file, issues });
  return parsed.data;
}

/** `nodes[1] (B).probe`: the zod path, with the node's id where the raw file has one. */
function formatPath(path: readonly PropertyKey[], raw: unknown): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  let cursor: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      cursor = Array.isArray(cursor) ? cursor[key] : undefined;
      const id = (cursor as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') out += ` (${id})`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      cursor = typeof cursor === 'object' && cursor !== null ? (cursor as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out;
}

/** "a decision", "an exit". */
function a(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** Every rule about how nodes and edges fit together; empty when the graph is sound. */
export function graphIssues(doc: RunbookDocument): string[] {
  const issues: string[] = [];
  const nodes = new Map<string, RunbookNode>();
  doc.nodes.forEach((n, i) => {
    if (nodes.has(n.id)) issues.push(`nodes[${i}] (${n.id}).id: duplicate node id`);
    nodes.set(n.id, n);
    if (!KINDS_OF[doc.kind].includes(n.kind)) issues.push(`nodes[${i}] (${n.id}).kind: "${n.kind}" is not allowed in ${a(doc.kind)} file`);
  });
  const entry = nodes.get(doc.entry);
  if (!entry) issues.push(`entry: no node "${doc.entry}"`);
  else if (entry.kind !== 'signal') issues.push(`entry: node "${doc.entry}" is ${a(entry.kind)}, the entry must be a signal`);

  const out = new Map<string, { edge: RunbookEdge; index: number }[]>();
  const seen = new Set<string>();
  doc.edges.forEach((edge, index) => {
    for (const end of ['from', 'to'] as const) {
      if (!nodes.has(edge[end])) issues.push(`edges[${index}].${end}: no node "${edge[end]}"`);
    }
    const key = `${edge.from}->${edge.to}`;
    if (seen.has(key)) issues.push(`edges[${index}]: duplicate edge ${edge.from} --> ${edge.to}`);
    seen.add(key);
    out.set(edge.from, [...(out.get(edge.from) ?? []), { edge, index }]);
  });

  for (const node of doc.nodes) issues.push(...edgeRuleIssues(node, out.get(node.id) ?? []));
  if (issues.length === 0) issues.push(...shapeIssues(doc, out));
  return issues;
}

/** What a node's outgoing edges must look like, by kind. */
function edgeRuleIssues(node: RunbookNode, edges: { edge: RunbookEdge; index: number }[]): string[] {
  const issues: string[] = [];
  const where = (i: number) => `edges[${i}] (${node.id} --> ${edges.find((e) => e.index === i)?.edge.to})`;
  const bound = edges.filter((e) => e.edge.outcomes);
  if (TERMINAL.includes(node.kind) && edges.length) issues.push(`${where(edges[0]!.index)}: ${a(node.kind)} node ends the walk and has no outgoing edge`);
  if (!TERMINAL.includes(node.kind) && edges.length === 0) issues.push(`node ${node.id}: ${a(node.kind)} node needs an outgoing edge`);

  const branches = node.kind === 'decision' || (node.kind === 'query' && bound.length > 0);
  if (branches) {
    const spec = probeSpec(node.probe);
    const taken = new Map<string, string>();
    for (const { edge, index } of edges) {
      if (!edge.outcomes) {
        issues.push(`${where(index)}.outcomes: every edge of ${node.kind} ${node.id} must name the outcomes that take it`);
        continue;
      }
      for (const o of edge.outcomes) {
        if (spec && !spec.outcomes.includes(o)) issues.push(`${where(index)}.outcomes: "${o}" is not an outcome of ${node.probe} (${spec.outcomes.join(', ')})`);
        const other = taken.get(o);
        if (other) issues.push(`${where(index)}.outcomes: "${o}" already takes the edge to ${other}`);
        taken.set(o, edge.to);
      }
    }
    if (spec?.evidence) issues.push(`node ${node.id}.probe: ${node.probe} is evidence only and cannot steer ${a(node.kind)}`);
  } else {
    for (const { index } of bound) issues.push(`${where(index)}.outcomes: only decision and query nodes branch on outcomes (${node.id} is ${a(node.kind)})`);
    if (edges.length > 1) issues.push(`node ${node.id}: ${a(node.kind)} node has at most one outgoing edge, it has ${edges.length}`);
  }
  return issues;
}

/**
 * Whole-graph rules: no cycles (a walk always ends), every node reachable from the entry,
 * and every "Execute Runbook" step reached only through a root cause (so a walk that ends
 * there always names one).
 */
function shapeIssues(doc: RunbookDocument, out: Map<string, { edge: RunbookEdge }[]>): string[] {
  const issues: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const order: string[] = [];
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      issues.push(`edges: cycle ${[...trail.slice(trail.indexOf(id)), id].join(' --> ')}`);
      return;
    }
    state.set(id, 'open');
    for (const { edge } of out.get(id) ?? []) visit(edge.to, [...trail, id]);
    state.set(id, 'done');
    order.push(id);
  };
  visit(doc.entry, []);
  for (const n of doc.nodes) if (!state.has(n.id)) issues.push(`node ${n.id}: not reachable from the entry ${doc.entry}`);
  if (issues.length) return issues;

  // Reverse post-order is a topological order: decide "every path passes a root cause" once per node.
  const preds = new Map<string, string[]>();
  for (const e of doc.edges) preds.set(e.to, [...(preds.get(e.to) ?? []), e.from]);
  const kind = new Map(doc.nodes.map((n) => [n.id, n.kind]));
  const throughCause = new Map<string, boolean>();
  for (const id of order.reverse()) {
    const p = preds.get(id) ?? [];
    throughCause.set(id, kind.get(id) === 'root_cause' || (p.length > 0 && p.every((q) => throughCause.get(q))));
  }
  for (const n of doc.nodes) {
    if (n.kind === 'execute' && !throughCause.get(n.id)) issues.push(`node ${n.id}: some path reaches this execute step without passing a root_cause node`);
  }
  return issues;
}
