/**
 * One routing decision of the Agent Squad classifier, as stored in the contract's `routes`
 * list (one JSON entry per decision of the current turn).
 */
export interface RouteDecision {
  /** The agent the classifier chose, e.g. `ProductSearchAgent`. */
  readonly agent: string;
  /** The classifier's confidence, 0..1. */
  readonly confidence: number;
  /** When the decision was made, epoch ms. */
  readonly at: number;
}

/** Why a value is not a routing decision, or null when it is one. */
export function routeDecisionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const { agent, confidence, at } = value as Record<string, unknown>;
  if (typeof agent !== 'string' || agent.length === 0 || agent.length > 256) return 'agent must be a non-empty string of at most 256 characters';
  if (/[\u0000-\u001f\u007f]/.test(agent)) return 'agent must not contain control characters';
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) return 'confidence must be a number in [0, 1]';
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return 'at must be epoch milliseconds';
  return null;
}

/** Parses one stored entry; null when it is not valid JSON or not a routing decision. */
export function parseRouteDecision(raw: string): RouteDecision | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (routeDecisionProblem(value) !== null) return null;
  const { agent, confidence, at } = value as RouteDecision;
  return { agent, confidence, at };
}
