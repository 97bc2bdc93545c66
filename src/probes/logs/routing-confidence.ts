import { ROUTING_LIMITS } from '../../core/routing/index.js';
import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { loopingTurns } from './questions.js';
import { turnsByPattern } from './routing-pattern.js';

/**
 * Scenario 2, node E ("Check classifier confidence scores") over the oscillating turns: every
 * score below 0.70 is an ambiguous query the classifier never understood; a turn where it was
 * sure at least once means the agents' responses shifted the context under it. With turns of
 * both kinds, the more frequent decides and the evidence gives both counts.
 */
export const routingConfidence: ProbeDefinition = {
  id: 'logs.routing_confidence',
  sources: ['logs'],
  namesAffected: true,
  async answer(ctx) {
    const { rows } = await ctx.ask(loopingTurns);
    const query = ctx.describe(loopingTurns);
    const groups = turnsByPattern(rows);
    const turns = groups.get('oscillation') ?? rows;
    if (turns.length === 0) {
      return { status: 'unknown', error: 'no looping turn in the window to read confidences from', evidence: [{ source: 'logs', summary: 'no turn was routed more than 3 times in the window', query }] };
    }
    const threshold = ROUTING_LIMITS.clarificationThreshold;
    const low = turns.filter((t) => t.maxConfidence < threshold);
    const shifting = turns.filter((t) => t.maxConfidence >= threshold);
    const outcome = low.length >= shifting.length ? 'all_low_confidence' : 'fluctuating';
    const chosen = outcome === 'all_low_confidence' ? low : shifting;
    const min = Math.min(...turns.map((t) => t.minConfidence));
    const max = Math.max(...turns.map((t) => t.maxConfidence));
    const summary =
      `classifier confidence over ${plural(turns.length, 'looping turn')}: ${low.length} never reached ${threshold.toFixed(2)}, ` +
      `${shifting.length} crossed it (scores ${min.toFixed(2)}..${max.toFixed(2)})`;
    return answered(outcome, [{ source: 'logs', summary, data: { threshold, lowTurns: low.length, fluctuatingTurns: shifting.length, minConfidence: min, maxConfidence: max }, query }], {
      affected: affectedOf(chosen.map((t) => t.sessionId), ctx.limits.maxAffectedIds),
    });
  },
};
