import { chooseFallbackAgent, detectRoutingLoop, RoutingStateStore } from '../core/routing/index.js';
import type { SessionRepair } from '../core/sessions/index.js';
import { redisRepairAction } from './redis-repair.js';

/**
 * pin-agent (scenario 2): pin one agent for the session's follow-up turns. `--agent` names
 * it; by default the core's fallback choice for the turn's routes (most routed, then most
 * confident). Without `--agent` it applies only to a session whose routes loop.
 */
export const pinAgent = redisRepairAction({
  name: 'pin-agent',
  scenario: 2,
  description: 'pin an agent for follow-up turns (--agent, default the fallback chosen from the routes)',
  touchesTurns: false,
  async repairFor(env, id, opts) {
    if (opts.agent !== undefined) return { action: 'pin-agent', agent: opts.agent } satisfies SessionRepair;
    const routes = await new RoutingStateStore(await env.redis(), { layout: env.layout }).routesOf(id);
    const verdict = detectRoutingLoop(routes);
    if (!verdict.loop) {
      return { code: 'NOT_APPLICABLE', message: `no routing loop to pin an agent for: ${verdict.explanation}`, suggestion: 'pass --agent <name> to pin one anyway' };
    }
    return { action: 'pin-agent', agent: chooseFallbackAgent(routes) };
  },
  async extraChecks(env, id, plan) {
    const pinned = await new RoutingStateStore(await env.redis(), { layout: env.layout }).pinnedAgent(id);
    const wanted = (plan.state as { repair: { agent?: string } }).repair.agent;
    return [{ name: 'agent pinned', ok: pinned === wanted, detail: pinned === wanted ? `${wanted} is pinned` : `pin holds ${pinned ?? 'nothing'}` }];
  },
});
