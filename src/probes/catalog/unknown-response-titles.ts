import { checkGrounding } from '../../core/grounding/index.js';
import { timeoutTurns } from '../logs/questions.js';
import { namedTitles } from '../logs/tool-timeout-continuation.js';
import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { catalogEntries } from './questions.js';

/**
 * Scenario 3, node B ("Support team checks product catalog"), done for every answer that
 * followed a tool timeout in the window instead of waiting for a user to complain: the titles
 * each answer names are checked against `manga_products` with the core's grounding check.
 * `missing`: some title does not exist (a hallucination); `all_in_catalog`; `no_titles`
 * (no answer after a timeout named any title, or no tool timed out).
 */
export const unknownResponseTitles: ProbeDefinition = {
  id: 'catalog.unknown_response_titles',
  sources: ['logs', 'dynamodb'],
  namesAffected: true,
  async answer(ctx) {
    const { rows } = await ctx.ask(timeoutTurns);
    const withTitles = rows.filter((r) => r.responses > 0 && namedTitles(r.response).length > 0);
    if (withTitles.length === 0) {
      const summary = rows.length === 0 ? 'no tool timed out in the window: no answer to check' : `no answer after the ${plural(rows.length, 'tool timeout')} named a title`;
      return answered('no_titles', [{ source: 'logs', summary, query: ctx.describe(timeoutTurns) }]);
    }
    const catalog = await ctx.ask(catalogEntries);
    const checked = await Promise.all(
      withTitles.map(async (r) => ({ turn: r, result: await checkGrounding({ responseText: r.response, toolResults: [], failedTools: [r.tool], catalog }) })),
    );
    const fabricated = checked.filter((c) => c.result.titles.some((t) => t.status === 'unknown'));
    const titles = [...new Set(fabricated.flatMap((c) => c.result.titles.filter((t) => t.status === 'unknown').map((t) => (t.volume === undefined ? t.title : `${t.title} vol. ${t.volume}`))))];
    const query = ctx.describe(catalogEntries);
    if (fabricated.length === 0) {
      return answered('all_in_catalog', [{ source: 'dynamodb', summary: `every title named after a tool timeout (${plural(withTitles.length, 'answer')}) is in ${ctx.config.names.productsTable}`, query }]);
    }
    const sessions = new Set(fabricated.map((c) => c.turn.sessionId));
    const summary = `${plural(titles.length, 'title')} named after a tool timeout ${titles.length === 1 ? 'is' : 'are'} not in ${ctx.config.names.productsTable}: ${titles.slice(0, 6).join(', ')}${titles.length > 6 ? ', ...' : ''} (${plural(sessions.size, 'session')})`;
    return answered('missing', [{ source: 'dynamodb', summary, data: { titles, turns: fabricated.slice(0, 20).map((c) => ({ sessionId: c.turn.sessionId, turnId: c.turn.turnId, ungrounded: c.result.ungrounded })) }, query }], {
      affected: affectedOf(sessions, ctx.limits.maxAffectedIds),
    });
  },
};
