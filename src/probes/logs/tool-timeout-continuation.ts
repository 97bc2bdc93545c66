import { extractTitleMentions } from '../../core/grounding/index.js';
import { maskText } from '../../core/mask.js';
import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { timeoutTurns, type TimeoutTurnRow } from './questions.js';

/** The titles an answer names with certainty (quoted as titles), as written. */
export function namedTitles(response: string): string[] {
  return extractTitleMentions(response)
    .filter((m) => m.confidence === 'high')
    .map((m) => (m.volume === undefined ? m.title : `${m.title} vol. ${m.volume}`));
}

/** Did the agent go on after the timeout? It did when its answer names titles the tool never returned. */
export function continuedAfterTimeout(turn: TimeoutTurnRow): boolean {
  return turn.responses > 0 && namedTitles(turn.response).length > 0;
}

/**
 * Scenario 3, nodes D and F ("Check reasoning trace", "Did agent continue reasoning after
 * timeout?"): the turns where a tool call timed out, and whether the agent then answered with
 * titles anyway (`continued`: it reasoned on without grounding data) or said it could not
 * search (`returned_error`). `no_timeout` when no tool timed out in the window. Answers are
 * assistant output: the evidence keeps the titles they name and masks the rest.
 */
export const toolTimeoutContinuation: ProbeDefinition = {
  id: 'logs.tool_timeout_continuation',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const { rows } = await ctx.ask(timeoutTurns);
    const query = ctx.describe(timeoutTurns);
    if (rows.length === 0) return answered('no_timeout', [{ source: 'logs', summary: 'no tool_call timed out in the window', query }]);
    const continued = rows.filter(continuedAfterTimeout);
    const outcome = continued.length > 0 ? 'continued' : 'returned_error';
    const chosen = continued.length > 0 ? continued : rows;
    const tools = [...new Set(rows.map((r) => r.tool).filter(Boolean))].join(', ') || 'a tool';
    const summary =
      continued.length > 0
        ? `${tools} timed out in ${plural(rows.length, 'turn')}; in ${continued.length} the agent answered anyway, naming titles no tool returned`
        : `${tools} timed out in ${plural(rows.length, 'turn')}; the agent named no title afterwards (it reported the failure)`;
    const turns = chosen.slice(0, 20).map((r) => ({
      sessionId: r.sessionId,
      turnId: r.turnId,
      tool: r.tool,
      titles: namedTitles(r.response),
      response: maskText(r.response),
    }));
    const first = Math.min(...rows.map((r) => r.first ?? Infinity));
    return answered(outcome, [{ source: 'logs', summary, data: { timeoutTurns: rows.length, continued: continued.length, turns }, query }], {
      affected: affectedOf(chosen.map((r) => r.sessionId), ctx.limits.maxAffectedIds),
      timeline: Number.isFinite(first) ? [{ at: first, source: 'logs', what: `first ${tools} timeout` }] : [],
    });
  },
};
