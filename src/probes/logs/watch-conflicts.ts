import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { errorEvents } from './questions.js';

/**
 * Scenario 5, node E ("Check Redis WATCH failure logs"): `state_write_conflict` events with
 * error_type WatchError. Present: optimistic locking detected the conflict (and retried);
 * absent while requests collided: the writers never watched, and the last one won.
 */
export const watchConflicts: ProbeDefinition = {
  id: 'logs.watch_conflicts',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const { rows } = await ctx.ask(errorEvents);
    const query = ctx.describe(errorEvents);
    const conflicts = rows.filter((r) => r.event === 'state_write_conflict' && r.errorType === 'WatchError');
    if (conflicts.length === 0) return answered('none', [{ source: 'logs', summary: 'no WatchError state_write_conflict in the window', query }]);
    const events = conflicts.reduce((s, r) => s + r.events, 0);
    const turns = conflicts.reduce((s, r) => s + r.turns, 0);
    const sessions = new Set(conflicts.map((r) => r.sessionId));
    const first = Math.min(...conflicts.map((r) => r.first ?? Infinity));
    return answered('watch_errors', [{ source: 'logs', summary: `${plural(events, 'WatchError conflict')} in ${plural(turns, 'turn')} of ${plural(sessions.size, 'session')}`, data: { events, turns, sessions: sessions.size }, query }], {
      affected: affectedOf(sessions, ctx.limits.maxAffectedIds),
      timeline: Number.isFinite(first) ? [{ at: first, source: 'logs', what: 'first WatchError conflict on session state' }] : [],
    });
  },
};
