import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { fleetScan } from './fleet-scan.js';

/**
 * Scenario 1, node C ("Redis Deserialization Failure Confirmed"): the sessions whose turns
 * list holds entries that do not deserialize (truncated JSON, bytes that are not UTF-8, JSON
 * that is not a turn) or whose turns key has the wrong type, with the core's recovery verdict
 * for each: which the backup can restore, which only partial recovery saves, which are lost.
 */
export const corruptSessions: ProbeDefinition = {
  id: 'redis.corrupt_sessions',
  sources: ['redis'],
  namesAffected: true,
  async answer(ctx) {
    const scan = await ctx.ask(fleetScan);
    const query = ctx.describe(fleetScan);
    const scope = `${plural(scan.sessionsSeen, 'session')} scanned${scan.complete ? '' : ` (stopped at the limit of ${ctx.limits.maxRedisSessions})`}`;
    if (scan.unhealthy.length === 0) return answered('none', [{ source: 'redis', summary: `no corrupt session: ${scope}`, query }]);
    const byAction: Record<string, number> = {};
    const problems = { invalid_json: 0, not_utf8: 0, not_a_turn: 0 };
    let missingTtl = 0;
    for (const c of scan.unhealthy) {
      const action = c.recommendedAction ?? 'none';
      byAction[action] = (byAction[action] ?? 0) + 1;
      problems.invalid_json += c.primary.problems.invalid_json;
      problems.not_utf8 += c.primary.problems.not_utf8;
      problems.not_a_turn += c.primary.problems.not_a_turn;
      if (c.missingTtl.length) missingTtl++;
    }
    const actions = Object.entries(byAction).map(([a, n]) => `${a} ${n}`).join(', ');
    const summary =
      `${plural(scan.unhealthy.length, 'session')} of ${scope} hold entries that do not deserialize ` +
      `(${problems.invalid_json} invalid JSON, ${problems.not_utf8} not UTF-8, ${problems.not_a_turn} not a turn); ` +
      `recovery: ${actions}${missingTtl ? `; ${missingTtl} without a TTL` : ''}`;
    const sample = scan.unhealthy.slice(0, 10).map((c) => ({ sessionId: c.sessionId, status: c.status, recommendedAction: c.recommendedAction, summary: c.summary }));
    return answered('found', [{ source: 'redis', summary, data: { byRecommendedAction: byAction, problems, missingTtl, statusCounts: scan.statusCounts, complete: scan.complete, sample }, query }], {
      affected: affectedOf(scan.unhealthy.map((c) => c.sessionId), ctx.limits.maxAffectedIds),
    });
  },
};
