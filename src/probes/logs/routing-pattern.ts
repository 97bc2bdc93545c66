import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { loopingTurns, type RouteTurnRow } from './questions.js';

export type TurnPattern = 'oscillation' | 'multi_agent' | 'single_agent' | 'mixed';

/**
 * The shape of one looping turn from its route statistics: a different agent on every route
 * is a multi-agent query; one agent throughout is a stuck single agent; two agents over more
 * than three routes is the classifier bouncing between them (the exact A-B-A-B order is
 * checked on the session's `routes` list by redis.routing_loops); anything else is mixed.
 */
export function turnPattern(t: Pick<RouteTurnRow, 'routes' | 'agents'>): TurnPattern {
  if (t.agents >= t.routes) return 'multi_agent';
  if (t.agents === 1) return 'single_agent';
  if (t.agents === 2) return 'oscillation';
  return 'mixed';
}

/** Turns grouped by pattern. */
export function turnsByPattern(rows: readonly RouteTurnRow[]): Map<TurnPattern, RouteTurnRow[]> {
  const out = new Map<TurnPattern, RouteTurnRow[]>();
  for (const r of rows) out.set(turnPattern(r), [...(out.get(turnPattern(r)) ?? []), r]);
  return out;
}

/**
 * Scenario 2, node B ("Check routing log for the session"): the turns routed more than three
 * times in the window and their shape. An oscillating turn anywhere is the incident; a loop of
 * another shape (one agent, or several mixed) is for the engineer to judge; when every such
 * turn went to a different agent each time, it is a legitimate multi-agent query.
 */
export const routingPattern: ProbeDefinition = {
  id: 'logs.routing_pattern',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const { rows, truncated } = await ctx.ask(loopingTurns);
    const query = ctx.describe(loopingTurns);
    if (rows.length === 0) return answered('none', [{ source: 'logs', summary: 'no turn was routed more than 3 times in the window', query }]);
    const groups = turnsByPattern(rows);
    const counts = Object.fromEntries([...groups].map(([p, list]) => [p, list.length]));
    const others = (['single_agent', 'mixed'] as const).filter((p) => groups.has(p)).sort((a, b) => (groups.get(b)?.length ?? 0) - (groups.get(a)?.length ?? 0));
    const outcome = groups.has('oscillation') ? 'oscillation' : (others[0] ?? 'multi_agent');
    const chosen = groups.get(outcome) ?? [];
    const sessions = new Set(chosen.map((t) => t.sessionId));
    const sample = chosen[0];
    const detail =
      outcome === 'oscillation'
        ? `${plural(chosen.length, 'turn')} in ${plural(sessions.size, 'session')} bounced between two agents (e.g. ${sample?.firstAgent} and ${sample?.lastAgent === sample?.firstAgent ? 'another' : sample?.lastAgent}, ${sample?.routes} routes)`
        : outcome === 'multi_agent'
          ? `${plural(chosen.length, 'turn')} in ${plural(sessions.size, 'session')} went to a different agent on every route (up to ${Math.max(...chosen.map((t) => t.routes))} agents): compound questions`
          : `${plural(chosen.length, 'turn')} in ${plural(sessions.size, 'session')} looped as ${outcome.replace('_', ' ')}`;
    const first = Math.min(...chosen.map((t) => t.first ?? Infinity));
    return answered(outcome, [{ source: 'logs', summary: `turns with more than 3 routes: ${detail}${truncated ? ' (row limit reached)' : ''}`, data: { turnsByPattern: counts, turns: chosen.slice(0, 20) }, query }], {
      affected: affectedOf(sessions, ctx.limits.maxAffectedIds),
      timeline: Number.isFinite(first) ? [{ at: first, source: 'logs', what: `first turn routed more than 3 times (${outcome.replace('_', ' ')})` }] : [],
    });
  },
};
