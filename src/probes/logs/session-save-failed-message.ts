import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { errorEvents, type ErrorRow } from './questions.js';

/**
 * DynamoDB's own wording for an item over 400 KB, on PutItem ("Item size has exceeded the
 * maximum allowed size") and UpdateItem ("Item size to update has exceeded..."). Scenario 4's
 * chart branches on the message (the orchestrator logs no other field telling the kinds of
 * ValidationException apart), so this is the one place that reads message text, on purpose.
 */
const ITEM_SIZE_MESSAGE = /item size.*exceeded/i;

export function isItemSizeMessage(message: string): boolean {
  return ITEM_SIZE_MESSAGE.test(message);
}

/**
 * Scenario 4, node B ("Check error message"): the `session_save_failed` ValidationExceptions
 * of the window, split into item-size failures and other validation errors. Item size wins
 * when both occur (it is this runbook's incident); the evidence counts both.
 */
export const sessionSaveFailedMessage: ProbeDefinition = {
  id: 'logs.session_save_failed_message',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const { rows } = await ctx.ask(errorEvents);
    const query = ctx.describe(errorEvents);
    const saves = rows.filter((r) => r.event === 'session_save_failed' && r.errorType === 'ValidationException');
    if (saves.length === 0) return answered('none', [{ source: 'logs', summary: 'no session_save_failed ValidationException in the window', query }]);
    const size = saves.filter((r) => isItemSizeMessage(r.message));
    const other = saves.filter((r) => !isItemSizeMessage(r.message));
    const outcome = size.length > 0 ? 'item_size' : 'other';
    const chosen = size.length > 0 ? size : other;
    const count = (list: ErrorRow[]) => list.reduce((s, r) => s + r.events, 0);
    const messages = [...new Set(other.map((r) => r.message))].slice(0, 5);
    const summary =
      `session_save_failed ValidationException: ${count(size)} item-size failures in ${plural(new Set(size.map((r) => r.sessionId)).size, 'session')}` +
      `, ${count(other)} other${other.length ? ` (e.g. "${messages[0]}")` : ''}`;
    const first = Math.min(...chosen.map((r) => r.first ?? Infinity));
    return answered(outcome, [{ source: 'logs', summary, data: { itemSizeFailures: count(size), otherFailures: count(other), otherMessages: messages }, query }], {
      affected: affectedOf(chosen.map((r) => r.sessionId), ctx.limits.maxAffectedIds),
      timeline: Number.isFinite(first) ? [{ at: first, source: 'logs', what: `first session_save_failed (${outcome === 'item_size' ? 'item size' : 'other validation error'})` }] : [],
    });
  },
};
