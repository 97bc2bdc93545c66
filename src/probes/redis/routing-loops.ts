import { classifyRoutes, detectRoutingLoop } from '../../core/routing/index.js';
import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { fleetScan } from './fleet-scan.js';

/**
 * Scenario 2, node C ("Routing Oscillation Confirmed"): the sessions whose `routes` list (the
 * current turn's routing decisions) is a loop by the core's detector, with the exact order of
 * agents, which the logs' statistics cannot give: strict A-B-A-B alternation or not.
 */
export const routingLoops: ProbeDefinition = {
  id: 'redis.routing_loops',
  sources: ['redis'],
  namesAffected: true,
  async answer(ctx) {
    const scan = await ctx.ask(fleetScan);
    const query = ctx.describe(fleetScan);
    const loops = scan.routes
      .map((s) => ({ ...s, verdict: detectRoutingLoop(s.routes), shape: classifyRoutes(s.routes) }))
      .filter((s) => s.verdict.loop);
    if (loops.length === 0) return answered('none', [{ source: 'redis', summary: `no session's routes list holds a loop (${plural(scan.routes.length, 'routes list')} read)`, query }]);
    const byPattern: Record<string, number> = {};
    for (const l of loops) byPattern[l.shape.pattern] = (byPattern[l.shape.pattern] ?? 0) + 1;
    const example = loops[0]!;
    const summary =
      `${plural(loops.length, 'session')} looping in Redis (${Object.entries(byPattern).map(([p, n]) => `${p.replace('_', ' ')} ${n}`).join(', ')}); ` +
      `e.g. ${example.verdict.explanation}`;
    const sample = loops.slice(0, 10).map((l) => ({ sessionId: l.sessionId, agents: l.routes.map((r) => r.agent), confidences: l.routes.map((r) => r.confidence), pattern: l.shape.pattern }));
    return answered('found', [{ source: 'redis', summary, data: { byPattern, sample }, query }], {
      affected: affectedOf(loops.map((l) => l.sessionId), ctx.limits.maxAffectedIds),
    });
  },
};
