import { sessionKeys } from '../core/keys.js';
import { detectRoutingLoop, RoutingStateStore } from '../core/routing/index.js';
import { redisRepairAction } from './redis-repair.js';

/**
 * clear-routing (scenario 2): quarantine and delete the turn's routing decisions, breaking
 * the loop; the next message is classified afresh (with the pin, if one is set). Refused
 * when the routes are not a loop: they belong to a turn in progress.
 */
export const clearRouting = redisRepairAction({
  name: 'clear-routing',
  scenario: 2,
  description: 'break a routing loop: quarantine and delete the turn\'s routing decisions',
  touchesTurns: false,
  async repairFor(env, id) {
    const routes = await new RoutingStateStore(await env.redis(), { layout: env.layout }).routesOf(id);
    const verdict = detectRoutingLoop(routes);
    // No parsable routes: the core decides (absent: already done; unreadable entries: cleared).
    if (routes.length > 0 && !verdict.loop) return { code: 'NOT_APPLICABLE', message: `no routing loop: ${verdict.explanation}`, suggestion: 'the routes belong to a turn in progress; leave them' };
    return { action: 'clear-routing' };
  },
  async extraChecks(env, id) {
    const gone = (await (await env.redis()).exists(sessionKeys(env.layout, id).routes)) === 0;
    return [{ name: 'routing decisions cleared', ok: gone, detail: gone ? 'the routes list is gone' : 'the routes list is still there' }];
  },
});
