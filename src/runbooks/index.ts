/**
 * Runbooks as data: the five scenario flowcharts and the cross-scenario tree of the seed,
 * loaded from `runbooks/*.json`, validated, walked, and drawn (terminal or mermaid).
 */
export { PROBES, PROBE_IDS, probeSpec, isProbeId, type ProbeId, type ProbeSpec } from './probe-ids.js';
export {
  ACTION_NAMES,
  SEVERITIES,
  qualifiedNodeId,
  type ActionName,
  type Severity,
  type Runbook,
  type DecisionTree,
  type RunbookDocument,
  type RunbookNode,
  type RunbookEdge,
  type NodeKind,
  type ProbeNode,
  type RootCause,
  type Remediation,
} from './schema.js';
export { RunbookError, type RunbookErrorCode } from './errors.js';
export { parseRunbookDocument } from './validate.js';
export { loadRunbookSet, defaultRunbookDir, resolutionLabel, type RunbookSet } from './load.js';
export { walk, resumeWalk, probesOf, type Evidence, type ProbeAnswer, type AnswerFn, type WalkStep, type WalkResult, type StoppedWalk, type Question } from './walk.js';
export { selectScenarios, type Signal, type ScenarioSelection } from './select.js';
export { toMermaid, type MermaidOptions } from './mermaid.js';
export { drawFlowchart, oneLine, PLAIN, type Palette } from './draw.js';
export { describeDocument } from './describe.js';
