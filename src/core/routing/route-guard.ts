import type { SessionId } from '../session-id.js';
import { chooseFallbackAgent, CLARIFICATION_RESPONSE, detectRoutingLoop, ROUTING_LIMITS, type LoopVerdict, type RoutingLimits } from './loop-detector.js';
import type { RouteDecision } from './route-decision.js';
import type { ClearedRouting, RoutingStateStore } from './routing-store.js';

type LoopFound = Extract<LoopVerdict, { loop: true }>;

/**
 * What the orchestrator does with the next message of a session:
 * - `route_normally`: ask the classifier (and record its decision with `recordRoute`);
 * - `use_pinned_agent`: send it to the pinned agent, skipping the classifier;
 * - `break_loop`: answer with {@link CLARIFICATION_RESPONSE} through `agent`, the fallback.
 */
export type RouteGuardDecision =
  | { readonly action: 'route_normally' }
  | { readonly action: 'use_pinned_agent'; readonly agent: string }
  | { readonly action: 'break_loop'; readonly agent: string; readonly response: string; readonly verdict: LoopFound };

/**
 * The guard's rule, pure: a loop is broken first (even for a pinned session, since a loop
 * means the pin is not being honoured), then a pin is followed, else normal routing.
 */
export function decideRoute(routes: readonly RouteDecision[], pin: string | null, limits: RoutingLimits = ROUTING_LIMITS): RouteGuardDecision {
  const verdict = detectRoutingLoop(routes, limits);
  if (verdict.loop) return { action: 'break_loop', agent: chooseFallbackAgent(routes), response: CLARIFICATION_RESPONSE, verdict };
  if (pin !== null) return { action: 'use_pinned_agent', agent: pin };
  return { action: 'route_normally' };
}

/** {@link RouteGuardDecision} plus what the guard changed in Redis. */
export type RouteGuardOutcome =
  | Exclude<RouteGuardDecision, { action: 'break_loop' }>
  | (Extract<RouteGuardDecision, { action: 'break_loop' }> & {
      /** The routes cleared to end the loop (for quarantine, audit and the routing log). */
      readonly cleared: ClearedRouting;
      /** The pin replaced by the fallback agent, if there was one. */
      readonly previousPin: string | null;
    });

/**
 * The orchestrator's guard before each routing step (the seed's LoopBreakingOrchestrator,
 * with its state in Redis). On a loop it clears the turn's routes and pins the fallback
 * agent, so follow-up turns go to it instead of back into the classifier; on a pinned
 * session it refreshes the pin's inactivity expiry. Safe for two tasks to run at once on
 * one session: both compute the same fallback, and the clear is atomic.
 */
export async function guardRoute(store: RoutingStateStore, sessionId: SessionId, limits: RoutingLimits = ROUTING_LIMITS): Promise<RouteGuardOutcome> {
  const [routes, pin] = await Promise.all([store.routesOf(sessionId), store.pinnedAgent(sessionId)]);
  const decision = decideRoute(routes, pin, limits);
  if (decision.action === 'break_loop') {
    const cleared = await store.clearRouting(sessionId);
    const previousPin = await store.pinAgent(sessionId, decision.agent);
    return { ...decision, cleared, previousPin };
  }
  if (decision.action === 'use_pinned_agent') await store.touchPin(sessionId);
  return decision;
}
