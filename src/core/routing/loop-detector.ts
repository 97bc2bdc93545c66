import type { RouteDecision } from './route-decision.js';

/**
 * The limits of the scenario-2 runbook: more than 3 routes in one turn is a loop, and a
 * classification below 0.70 asks the user instead of guessing (raised from 0.50).
 */
export interface RoutingLimits {
  readonly maxRoutesPerTurn: number;
  readonly clarificationThreshold: number;
}

export const ROUTING_LIMITS: RoutingLimits = { maxRoutesPerTurn: 3, clarificationThreshold: 0.7 };

/** The agent a loop falls back to when nothing was routed at all. */
export const DEFAULT_FALLBACK_AGENT = 'ProductSearchAgent';

/** What the user is told when a loop is broken: ask, do not guess. */
export const CLARIFICATION_RESPONSE =
  "I want to help but I'm not sure exactly what you're looking for. Could you tell me more? For example:\n" +
  '- Are you looking for a specific manga title?\n' +
  '- Do you want to check an order status?\n' +
  '- Would you like a recommendation?\n';

/** `too_many_routes`: more than the limit in one turn. `oscillation`: A-B-A-B as the last four. */
export type LoopRule = 'too_many_routes' | 'oscillation';

export type LoopVerdict =
  | { readonly loop: false; readonly routeCount: number; readonly explanation: string }
  | {
      readonly loop: true;
      /** The most specific rule that fired (oscillation over a plain count). */
      readonly rule: LoopRule;
      readonly rulesFired: readonly LoopRule[];
      readonly routeCount: number;
      /** The two agents involved: the pair for an oscillation, else the two most routed to. */
      readonly agents: readonly string[];
      readonly explanation: string;
    };

/** The pair alternating in the last four routes (A-B-A-B, A != B), or null. */
function lastFourOscillation(routes: readonly RouteDecision[]): [string, string] | null {
  if (routes.length < 4) return null;
  const [a, b, c, d] = routes.slice(-4).map((r) => r.agent) as [string, string, string, string];
  return a !== b && a === c && b === d ? [a, b] : null;
}

/** Agents ordered by how often they were routed to, then mean confidence, then first seen. */
function rankAgents(routes: readonly RouteDecision[]): string[] {
  const stats = new Map<string, { count: number; sum: number; first: number }>();
  routes.forEach((r, i) => {
    const s = stats.get(r.agent) ?? { count: 0, sum: 0, first: i };
    s.count++;
    s.sum += r.confidence;
    stats.set(r.agent, s);
  });
  // Means equal up to float rounding ((0.1 + 0.2) / 2 vs 0.15) are a tie.
  const byMean = (x: { count: number; sum: number }, y: { count: number; sum: number }) => {
    const d = y.sum / y.count - x.sum / x.count;
    return Math.abs(d) < 1e-9 ? 0 : d;
  };
  return [...stats.entries()]
    .sort(([, x], [, y]) => y.count - x.count || byMean(x, y) || x.first - y.first)
    .map(([agent]) => agent);
}

/**
 * Is this turn's routing a loop? Pure: the orchestrator and `diagnose` both call it on the
 * routes read from Redis. Unlike the seed, A-A-A-A is not called an oscillation (it is
 * caught by the count rule), and the verdict says which rule fired and between whom.
 */
export function detectRoutingLoop(routes: readonly RouteDecision[], limits: RoutingLimits = ROUTING_LIMITS): LoopVerdict {
  const routeCount = routes.length;
  const pair = lastFourOscillation(routes);
  const rulesFired: LoopRule[] = [];
  if (pair) rulesFired.push('oscillation');
  if (routeCount > limits.maxRoutesPerTurn) rulesFired.push('too_many_routes');
  const rule = rulesFired[0];
  if (!rule) {
    return { loop: false, routeCount, explanation: `${routeCount} route(s) this turn, within the limit of ${limits.maxRoutesPerTurn}, no A-B-A-B alternation` };
  }
  const agents = pair ?? rankAgents(routes).slice(0, 2);
  const explanation =
    rule === 'oscillation'
      ? `the last four routes alternate ${agents[0]} -> ${agents[1]} -> ${agents[0]} -> ${agents[1]} (${routeCount} routes this turn)`
      : `${routeCount} routes this turn, over the limit of ${limits.maxRoutesPerTurn} (most routed: ${agents.join(', ')})`;
  return { loop: true, rule, rulesFired, routeCount, agents, explanation };
}

/** True when a decision is too unsure to act on: ask the user for clarification instead. */
export function shouldClarify(decision: Pick<RouteDecision, 'confidence'>, limits: RoutingLimits = ROUTING_LIMITS): boolean {
  return decision.confidence < limits.clarificationThreshold;
}

/**
 * The shape of a turn's routes, for the scenario-2 flowchart's first branch:
 * `oscillation` (two agents, strictly alternating, at least 3 routes: confirmed),
 * `multi_agent` (a different agent each time: a legitimate multi-agent query, not a loop),
 * `single_agent` (one agent, repeatedly), `mixed` (anything else), `none` (no routes).
 */
export type RoutingPattern = 'none' | 'single_agent' | 'oscillation' | 'multi_agent' | 'mixed';

/**
 * The flowchart's second branch: `all_low_confidence` (every score below the threshold: an
 * ambiguous query), else `fluctuating` (the classifier was sure at least once, so the
 * context, not the query, moves it: agent responses shifting the classification).
 */
export type ConfidenceProfile = 'all_low_confidence' | 'fluctuating';

export interface RoutingClassification {
  readonly pattern: RoutingPattern;
  /** Null when there are no routes. */
  readonly confidence: ConfidenceProfile | null;
  /** Distinct agents, in the order first routed to. */
  readonly agents: readonly string[];
  readonly minConfidence: number | null;
  readonly maxConfidence: number | null;
}

function patternOf(agents: readonly string[], distinct: number): RoutingPattern {
  if (agents.length === 0) return 'none';
  if (distinct === 1) return 'single_agent';
  if (distinct === agents.length) return 'multi_agent';
  const alternating = agents.every((a, i) => i === 0 || a !== agents[i - 1]);
  return distinct === 2 && alternating ? 'oscillation' : 'mixed';
}

/** Classifies a turn's routes for `diagnose` (scenario 2). Pure. */
export function classifyRoutes(routes: readonly RouteDecision[], limits: RoutingLimits = ROUTING_LIMITS): RoutingClassification {
  const names = routes.map((r) => r.agent);
  const agents = [...new Set(names)];
  const scores = routes.map((r) => r.confidence);
  return {
    pattern: patternOf(names, agents.length),
    confidence: routes.length === 0 ? null : routes.every((r) => shouldClarify(r, limits)) ? 'all_low_confidence' : 'fluctuating',
    agents,
    minConfidence: scores.length ? Math.min(...scores) : null,
    maxConfidence: scores.length ? Math.max(...scores) : null,
  };
}

/**
 * The agent to answer with when a loop is broken: the one routed to most often; ties go to
 * the highest mean confidence, then to the one routed to first (the seed's Counter left ties
 * to insertion order alone). {@link DEFAULT_FALLBACK_AGENT} when there are no routes.
 */
export function chooseFallbackAgent(routes: readonly RouteDecision[]): string {
  return rankAgents(routes)[0] ?? DEFAULT_FALLBACK_AGENT;
}
