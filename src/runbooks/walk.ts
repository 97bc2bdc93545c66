import { RunbookError } from './errors.js';
import type { ProbeId } from './probe-ids.js';
import type { NodeKind, ProbeNode, RootCause, RunbookDocument, RunbookEdge, RunbookNode } from './schema.js';

/** What a probe saw, shown to the engineer and kept in the report. */
export interface Evidence {
  /** The system asked, e.g. `cloudwatch-logs`, `redis`, or `engineer` for a hand-given answer. */
  source: string;
  /** One line a person can read at 3 a.m. */
  summary: string;
  /** The rows behind the summary (masked by the probe, never raw user content). */
  data?: unknown;
  /** The query that was run, so it can be re-run by hand. */
  query?: string;
}

/**
 * A probe's reply. `answered` carries one of the probe's outcomes (see probe-ids.ts);
 * `unknown` means its source could not say (unreachable, denied, timed out) and why.
 */
export type ProbeAnswer =
  | { status: 'answered'; outcome: string; evidence: Evidence[] }
  | { status: 'unknown'; error?: string; evidence: Evidence[] };

/**
 * Answers a node's probe. May return a promise. It should not throw: a source failure is an
 * `unknown` answer; a throw is treated as a bug and ends the walk with that error.
 */
export type AnswerFn = (probeId: ProbeId, node: ProbeNode) => ProbeAnswer | Promise<ProbeAnswer>;

/** One node the walk passed through. */
export interface WalkStep {
  node: string;
  kind: NodeKind;
  probe?: ProbeId;
  answer?: ProbeAnswer;
  /** `engineer` when the outcome was supplied on resume rather than by the probe. */
  answeredBy?: 'probe' | 'engineer';
  /** The edge the walk left by. */
  next?: { to: string; label?: string; outcome?: string };
}

/** A flowchart question with its branches, for an engineer to answer by hand. */
export interface Question {
  node: string;
  probe: ProbeId;
  /** The node's label (line breaks kept). */
  text: string;
  /** One per outgoing edge: the edge's label (or the target's when the seed has none). */
  choices: { label: string; outcomes: string[]; to: string }[];
}

interface WalkBase {
  /** The id of the document walked (`s1`..`s5`, `tree`). */
  runbook: string;
  /** The node ids taken, in order, ending where the walk stopped. */
  path: string[];
  steps: WalkStep[];
}

/** Where a walk ended. */
export type WalkResult =
  | (WalkBase & { status: 'root_cause'; end: string; rootCauseNode: string; rootCause: RootCause })
  | (WalkBase & { status: 'exit'; end: string; reason: string; otherRunbook: string | null })
  | (WalkBase & { status: 'scenario'; end: string; target: string })
  | (WalkBase & { status: 'unknown'; at: string; question: Question; error?: string })
  | (WalkBase & { status: 'no_branch'; at: string; outcome: string; question: Question });

/** A walk that stopped on a question and can be resumed. */
export type StoppedWalk = Extract<WalkResult, { status: 'unknown' | 'no_branch' }>;

interface Graph {
  node(id: string): RunbookNode;
  out(id: string): readonly RunbookEdge[];
}
const graphs = new WeakMap<RunbookDocument, Graph>();
function graphOf(doc: RunbookDocument): Graph {
  let g = graphs.get(doc);
  if (!g) {
    const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
    const out = new Map<string, RunbookEdge[]>();
    for (const e of doc.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
    g = {
      node(id) {
        const n = nodes.get(id);
        if (!n) throw new RunbookError('UNKNOWN_NODE', `runbook ${doc.id} has no node ${JSON.stringify(id)}`);
        return n;
      },
      out: (id) => out.get(id) ?? [],
    };
    graphs.set(doc, g);
  }
  return g;
}

/**
 * Walks a runbook from its entry: asks each node's probe, follows the edge whose outcomes
 * hold the answer, and stops at a root cause (after its "Execute Runbook" step), an exit, a
 * scenario of the tree, or a question the probes could not answer. Pure: all I/O is in
 * `answer`, which the engine can back with prefetched results (see {@link probesOf}).
 */
export function walk(doc: RunbookDocument, answer: AnswerFn): Promise<WalkResult> {
  return walkFrom(doc, doc.entry, [], answer);
}

/**
 * Continues a walk that stopped on a question, with the engineer's `outcome` (one of the
 * question's choices' outcomes). Throws RunbookError `INVALID_RESUME` otherwise.
 */
export function resumeWalk(doc: RunbookDocument, stopped: StoppedWalk, outcome: string, answer: AnswerFn): Promise<WalkResult> {
  if (stopped.runbook !== doc.id) {
    throw new RunbookError('INVALID_RESUME', `the walk stopped in runbook ${stopped.runbook}, not ${doc.id}`);
  }
  const choice = stopped.question.choices.find((c) => c.outcomes.includes(outcome));
  if (!choice) {
    const valid = stopped.question.choices.flatMap((c) => c.outcomes);
    throw new RunbookError('INVALID_RESUME', `${JSON.stringify(outcome)} does not answer ${doc.id}.${stopped.at}; choose one of ${valid.join(', ')}`);
  }
  const prior = stopped.steps.slice(0, -1);
  const probeEvidence = stopped.steps.at(-1)?.answer?.evidence ?? [];
  const handGiven: ProbeAnswer = {
    status: 'answered',
    outcome,
    evidence: [...probeEvidence, { source: 'engineer', summary: `answered by hand: ${oneLine(choice.label)}` }],
  };
  return walkFrom(doc, stopped.at, prior, answer, { node: stopped.at, answer: handGiven });
}

async function walkFrom(
  doc: RunbookDocument,
  start: string,
  prior: readonly WalkStep[],
  answer: AnswerFn,
  given?: { node: string; answer: ProbeAnswer },
): Promise<WalkResult> {
  const g = graphOf(doc);
  const steps = prior.map((s) => ({ ...s }));
  const base = (): WalkBase => ({ runbook: doc.id, path: steps.map((s) => s.node), steps });
  let id = start;
  // A validated runbook is acyclic, so a walk visits each node at most once.
  for (let guard = 0; guard <= doc.nodes.length; guard++) {
    const node = g.node(id);
    const edges = g.out(id);
    const step: WalkStep = { node: id, kind: node.kind };
    steps.push(step);

    let reply: ProbeAnswer | undefined;
    if ('probe' in node && node.probe) {
      step.probe = node.probe;
      if (given?.node === id) {
        reply = given.answer;
        step.answeredBy = 'engineer';
      } else {
        reply = await answer(node.probe, node);
        step.answeredBy = 'probe';
      }
      step.answer = reply;
    }

    if (edges.some((e) => e.outcomes)) {
      const question = questionOf(node, edges, g);
      if (!reply || reply.status === 'unknown') {
        return { ...base(), status: 'unknown', at: id, question, ...(reply?.error ? { error: reply.error } : {}) };
      }
      const edge = edges.find((e) => e.outcomes?.includes(reply.outcome));
      if (!edge) return { ...base(), status: 'no_branch', at: id, outcome: reply.outcome, question };
      step.next = { to: edge.to, ...(edge.label ? { label: edge.label } : {}), outcome: reply.outcome };
      id = edge.to;
      continue;
    }
    const [edge] = edges;
    if (edge) {
      step.next = { to: edge.to, ...(edge.label ? { label: edge.label } : {}) };
      id = edge.to;
      continue;
    }
    return ending(doc, node, base(), g);
  }
  throw new RunbookError('INVALID_RUNBOOK', `runbook ${doc.id} has a cycle through ${id}`);
}

/** The result for a node with no outgoing edge. */
function ending(doc: RunbookDocument, node: RunbookNode, base: WalkBase, g: Graph): WalkResult {
  if (node.kind === 'exit') return { ...base, status: 'exit', end: node.id, reason: node.reason, otherRunbook: node.runbook };
  if (node.kind === 'resolution') return { ...base, status: 'scenario', end: node.id, target: node.runbook };
  const causeId = [...base.path].reverse().find((id) => g.node(id).kind === 'root_cause');
  const cause = causeId === undefined ? undefined : g.node(causeId);
  if (cause?.kind === 'root_cause') {
    return { ...base, status: 'root_cause', end: node.id, rootCauseNode: cause.id, rootCause: cause.rootCause };
  }
  throw new RunbookError('INVALID_RUNBOOK', `runbook ${doc.id}: the walk ended at ${node.id} without a root cause`);
}

function questionOf(node: RunbookNode, edges: readonly RunbookEdge[], g: Graph): Question {
  return {
    node: node.id,
    probe: (node as ProbeNode).probe as ProbeId,
    text: node.label,
    choices: edges.map((e) => ({ label: e.label ?? g.node(e.to).label, outcomes: [...(e.outcomes ?? [])], to: e.to })),
  };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/**
 * Every probe a runbook may ask, in node order, without repeats: the engine queries them
 * all concurrently before walking, then answers the walk from those results.
 */
export function probesOf(doc: RunbookDocument): ProbeId[] {
  const ids = new Set<ProbeId>();
  for (const n of doc.nodes) if ('probe' in n && n.probe) ids.add(n.probe);
  return [...ids];
}
