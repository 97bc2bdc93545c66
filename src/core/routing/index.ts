/**
 * Scenario 2 (multi-agent routing loop): the routing state in Redis, the pure loop
 * detector and classifier that `diagnose` walks the flowchart with, and the orchestrator's guard.
 */
export { parseRouteDecision, routeDecisionProblem, type RouteDecision } from './route-decision.js';
export {
  CLARIFICATION_RESPONSE,
  DEFAULT_FALLBACK_AGENT,
  ROUTING_LIMITS,
  chooseFallbackAgent,
  classifyRoutes,
  detectRoutingLoop,
  shouldClarify,
  type ConfidenceProfile,
  type LoopRule,
  type LoopVerdict,
  type RoutingClassification,
  type RoutingLimits,
  type RoutingPattern,
} from './loop-detector.js';
export { RoutingStateStore, type ClearedRouting, type RoutingStateStoreOptions } from './routing-store.js';
export { decideRoute, guardRoute, type RouteGuardDecision, type RouteGuardOutcome } from './route-guard.js';
