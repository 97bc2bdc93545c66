import { affectedOf, answered, plural, type ProbeDefinition, type ProbeResult } from '../types.js';
import { errorEvents } from './questions.js';

/** The error types scenario 1's flowchart branches on (the probe's outcomes). */
const KNOWN_TYPES = ['JSONDecodeError', 'RedisConnectionError', 'KeyError', 'TypeError'] as const;
/** Both mean "the turns parse but are not in the expected shape": one branch of the chart. */
const SCHEMA_FAMILY = new Set(['KeyError', 'TypeError']);

interface TypeCount {
  errorType: string;
  events: number;
  sessions: Set<string>;
  first: number | undefined;
  last: number | undefined;
}

/**
 * Scenario 1, node B ("Check error type in CloudWatch Logs"): the breakdown of
 * `session_load_failed` by `error_type` and the dominant type, which picks the branch:
 * deserialization (JSONDecodeError), connectivity (RedisConnectionError, another runbook)
 * or a schema mismatch after a deployment (KeyError / TypeError). `none` when no load failed.
 */
export const sessionLoadErrorTypes: ProbeDefinition = {
  id: 'logs.session_load_error_types',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx): Promise<ProbeResult> {
    const { rows, truncated } = await ctx.ask(errorEvents);
    const byType = new Map<string, TypeCount>();
    for (const r of rows) {
      if (r.event !== 'session_load_failed') continue;
      const t = byType.get(r.errorType) ?? { errorType: r.errorType, events: 0, sessions: new Set<string>(), first: undefined, last: undefined };
      t.events += r.events;
      t.sessions.add(r.sessionId);
      if (r.first !== undefined && (t.first === undefined || r.first < t.first)) t.first = r.first;
      if (r.last !== undefined && (t.last === undefined || r.last > t.last)) t.last = r.last;
      byType.set(r.errorType, t);
    }
    const ranked = [...byType.values()].sort((a, b) => b.events - a.events);
    const breakdown = ranked.map((t) => ({ errorType: t.errorType || '(none)', events: t.events, sessions: t.sessions.size, first: t.first, last: t.last }));
    const query = ctx.describe(errorEvents);
    if (ranked.length === 0) {
      return answered('none', [{ source: 'logs', summary: 'no session_load_failed events in the window', query }]);
    }
    const text = ranked.map((t) => `${t.errorType || '(none)'} ${t.events} in ${plural(t.sessions.size, 'session')}`).join(', ');
    const top = ranked.find((t) => (KNOWN_TYPES as readonly string[]).includes(t.errorType));
    const evidence = [{ source: 'logs', summary: `session_load_failed by error_type: ${text}${truncated ? ' (row limit reached: counts are lower bounds)' : ''}`, data: { breakdown, truncated }, query }];
    if (!top) {
      return { status: 'unknown', error: `session loads fail with ${ranked[0]?.errorType || 'no error_type'}, which no branch of this flowchart covers`, evidence };
    }
    const family = SCHEMA_FAMILY.has(top.errorType) ? ranked.filter((t) => SCHEMA_FAMILY.has(t.errorType)) : [top];
    const sessions = family.flatMap((t) => [...t.sessions]);
    const first = Math.min(...family.map((t) => t.first ?? Infinity));
    return answered(top.errorType, evidence, {
      affected: affectedOf(sessions, ctx.limits.maxAffectedIds),
      timeline: Number.isFinite(first) ? [{ at: first, source: 'logs', what: `first session_load_failed ${top.errorType}` }] : [],
    });
  },
};
