import { z } from 'zod';
import { PROBE_IDS, type ProbeId } from './probe-ids.js';

/**
 * The schema of the files in `runbooks/`: one file per scenario runbook and one for the
 * cross-scenario decision tree. Node ids are the seed's own letters (`A`..`I`, `START`,
 * `Q1`, `S1`, `R1`); they are unique within a file, and `s1.B` names node B of runbook s1
 * wherever runbooks mix (see {@link qualifiedNodeId}). Labels are the seed's text with
 * `<br/>` written as a line break. The graph rules that zod cannot express (edges point at
 * nodes, outcomes belong to the probe, no cycles) are checked by `validate.ts`.
 */

/** The contract's remediation actions (CONTRACT.md section 2). */
export const ACTION_NAMES = [
  'restore-backup',
  'partial-recover',
  'clean-slate',
  'clear-routing',
  'pin-agent',
  'compact',
  'overflow',
  'release-lock',
  'flag-review',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const SEVERITIES = ['P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

const text = z.string().trim().min(1, { message: 'must not be empty' });
const nodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'a node id is a letter followed by letters, digits or "_"' });
const runbookId = z.string().regex(/^s[1-5]$/, { message: 'a runbook id is s1..s5' });
const probeId = z.enum(PROBE_IDS as [ProbeId, ...ProbeId[]], {
  error: (iss) => `unknown probe id ${JSON.stringify(iss.input)} (the known ids are in src/runbooks/probe-ids.ts)`,
});
const action = z.enum(ACTION_NAMES, {
  error: (iss) => `unknown action ${JSON.stringify(iss.input)}; actions are ${ACTION_NAMES.join(', ')}`,
});

export const remediationSchema = z.strictObject({
  action,
  /** Whether the action changes stored data (and so needs confirmation, quarantine and audit). */
  writes: z.boolean(),
  /** When to use it, in the cascade's order. */
  note: text,
});

export const rootCauseSchema = z.strictObject({
  /** Stable id used in findings, e.g. `redis-failover-partial-write`. */
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: 'a root cause id is kebab-case' }),
  title: text,
  severity: z.enum(SEVERITIES),
  /** In the order to try them: the first whose precondition holds is the one to apply. */
  remediations: z.array(remediationSchema).min(1, { message: 'a root cause names at least one remediation' }),
});

const withEvidenceProbe = { probe: probeId.optional() };

/** The alarm or report that starts the flowchart; its probe, if any, is evidence. */
const signalNode = z.strictObject({ id: nodeId, kind: z.literal('signal'), label: text, ...withEvidenceProbe });
/** A question: every outgoing edge is bound to outcomes of the probe. Drawn `{...}`. */
const decisionNode = z.strictObject({ id: nodeId, kind: z.literal('decision'), label: text, probe: probeId });
/**
 * A lookup step drawn as a box (`[...]`): with outcome-bound edges it branches like a
 * decision (seed scenario 3's "Support team checks product catalog"); with one unbound edge
 * its answer is evidence and the walk goes on.
 */
const queryNode = z.strictObject({ id: nodeId, kind: z.literal('query'), label: text, probe: probeId });
/** An intermediate confirmation ("... Confirmed"). */
const findingNode = z.strictObject({ id: nodeId, kind: z.literal('finding'), label: text, ...withEvidenceProbe });
const rootCauseNode = z.strictObject({
  id: nodeId,
  kind: z.literal('root_cause'),
  label: text,
  ...withEvidenceProbe,
  rootCause: rootCauseSchema,
});
/** "Not this scenario": names the runbook to go to, or null when none of ours applies. */
const exitNode = z.strictObject({
  id: nodeId,
  kind: z.literal('exit'),
  label: text,
  reason: text,
  runbook: runbookId.nullable(),
});
/** "Execute Runbook N": apply the remediations of the root cause the walk went through. */
const executeNode = z.strictObject({ id: nodeId, kind: z.literal('execute'), label: text });
/** The tree's "Scenario N: ..." boxes: hand over to a runbook. */
const scenarioNode = z.strictObject({ id: nodeId, kind: z.literal('scenario'), label: text, runbook: runbookId });
/** The tree's R1..R5: the runbook's resolution summary (must match its `resolution`). */
const resolutionNode = z.strictObject({ id: nodeId, kind: z.literal('resolution'), label: text, runbook: runbookId });

export const nodeSchema = z.discriminatedUnion('kind', [
  signalNode,
  decisionNode,
  queryNode,
  findingNode,
  rootCauseNode,
  exitNode,
  executeNode,
  scenarioNode,
  resolutionNode,
]);

export const edgeSchema = z.strictObject({
  from: nodeId,
  to: nodeId,
  /** The seed's edge label; absent where the seed draws a bare arrow. */
  label: text.optional(),
  /** The probe outcomes that take this edge (decision and branching query nodes only). */
  outcomes: z.array(text).min(1, { message: 'list at least one outcome, or leave outcomes out' }).optional(),
});

const graph = {
  entry: nodeId,
  nodes: z.array(nodeSchema).min(1),
  edges: z.array(edgeSchema),
};

export const runbookSchema = z.strictObject({
  $schema: z.string().optional(),
  kind: z.literal('runbook'),
  id: runbookId,
  slug: z.string().regex(/^[a-z]+(?:-[a-z]+)*$/, { message: 'a slug is lower-case words joined by "-"' }),
  scenario: z.number().int().min(1).max(5),
  title: text,
  /** The seed's "Scenario" column of the summary table, e.g. "Memory Corruption". */
  shortTitle: text,
  severity: z.enum(SEVERITIES),
  severityLabel: text,
  blastRadius: text,
  detectionTime: text,
  summary: z.strictObject({ detectionSignal: text, immediateAction: text, longTermFix: text, owner: text }),
  prevention: z.array(text).min(1),
  /** The tree's resolution summary for this scenario (R1..R5), one step per entry. */
  resolution: z.array(text).min(1),
  ...graph,
});

export const treeSchema = z.strictObject({
  $schema: z.string().optional(),
  kind: z.literal('tree'),
  id: z.literal('tree'),
  title: text,
  ...graph,
});

export const documentSchema = z.discriminatedUnion('kind', [runbookSchema, treeSchema]);

export type RunbookNode = z.infer<typeof nodeSchema>;
export type NodeKind = RunbookNode['kind'];
export type RunbookEdge = z.infer<typeof edgeSchema>;
export type RootCause = z.infer<typeof rootCauseSchema>;
export type Remediation = z.infer<typeof remediationSchema>;
/** A scenario runbook (s1..s5). */
export type Runbook = z.infer<typeof runbookSchema>;
/** The cross-scenario decision tree. */
export type DecisionTree = z.infer<typeof treeSchema>;
/** Either kind of file in `runbooks/`. */
export type RunbookDocument = Runbook | DecisionTree;
/** A node that may name a probe (required on decision and query nodes). */
export type ProbeNode = Extract<RunbookNode, { kind: 'signal' | 'decision' | 'query' | 'finding' | 'root_cause' }>;

/** `s1.B`: a node id made unique across runbooks. */
export function qualifiedNodeId(doc: Pick<RunbookDocument, 'id'>, nodeId: string): string {
  return `${doc.id}.${nodeId}`;
}
