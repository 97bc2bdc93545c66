import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { requestSlotsOnGrid } from './questions.js';

/** The runbook's "within 100ms". */
export const CONCURRENCY_WINDOW_MS = 100;

/**
 * Scenario 5, node B ("Check concurrent request logs"), also scenario 1's race check (H):
 * sessions that sent two or more requests less than 100 ms apart. A slot of the two grids
 * (see requestSlots) whose first and last request are under 100 ms apart is a burst; a slot
 * of three or more spread wider is counted only when the other grid confirms a close pair.
 */
export const concurrentSessionRequests: ProbeDefinition = {
  id: 'logs.concurrent_session_requests',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const answers = await Promise.all(requestSlotsOnGrid.map((q) => ctx.ask(q)));
    const query = ctx.describe(requestSlotsOnGrid[0]);
    const bursts = new Map<string, { sessionId: string; requests: number; first: number; spreadMs: number }>();
    for (const { rows } of answers) {
      for (const r of rows) {
        if (r.requests < 2 || r.last - r.first >= CONCURRENCY_WINDOW_MS) continue;
        // The same burst seen on both grids is one burst.
        const key = `${r.sessionId}\u0000${r.first}`;
        const prior = bursts.get(key);
        if (!prior || prior.requests < r.requests) bursts.set(key, { sessionId: r.sessionId, requests: r.requests, first: r.first, spreadMs: r.last - r.first });
      }
    }
    const list = [...bursts.values()].sort((a, b) => a.first - b.first);
    if (list.length === 0) {
      return answered('single', [{ source: 'logs', summary: `no session sent two requests within ${CONCURRENCY_WINDOW_MS} ms in the window`, query }]);
    }
    const sessions = new Set(list.map((b) => b.sessionId));
    const summary = `${plural(list.length, 'burst')} of requests within ${CONCURRENCY_WINDOW_MS} ms in ${plural(sessions.size, 'session')} (up to ${Math.max(...list.map((b) => b.requests))} requests at once)`;
    return answered('concurrent', [{ source: 'logs', summary, data: { bursts: list.length, sample: list.slice(0, 10) }, query }], {
      affected: affectedOf(sessions, ctx.limits.maxAffectedIds),
      timeline: [{ at: list[0]!.first, source: 'logs', what: `first burst of concurrent requests (${list[0]!.requests} within ${list[0]!.spreadMs} ms)` }],
    });
  },
};
