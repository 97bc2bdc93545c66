/**
 * Scenario 3, MCP tool timeout causing hallucination. Default `hallucination`: ~5 sessions
 * where search_manga_catalog timed out (800 ms) and the agent answered anyway, naming
 * titles the catalog does not have; the same answer is the session's latest assistant turn
 * in Redis and DynamoDB. Variant `returned-error`: the same timeout, and the agent said it
 * could not search; the title the user could not find came later, from the response pipeline
 * appending a "popular pick" to an otherwise grounded reply (the flowchart's "check response
 * pipeline" exit). No alarm: the seed finds this post hoc.
 */
import { INVENTED_TITLES, SERIES } from './catalog.js';
import type { SeedContext } from './context.js';
import { healthyConversation, type Conversation } from './conversation.js';
import { preIncidentStart } from './incident-window.js';
import { AGENTS, type ToolCallRecord } from './model.js';
import type { Rng } from './rng.js';
import { manifestOf, type ScenarioDefinition, type ScenarioExpectation, type ScenarioResult } from './scenario-types.js';
import * as T from './texts.js';

const VARIANTS: Record<string, ScenarioExpectation> = {
  hallucination: { verdict: 'root-cause', rootCauseId: 'ungrounded-answer-after-tool-timeout', path: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'I'], alarm: null },
  'returned-error': { verdict: 'other-runbook', rootCauseId: 's3.H', path: ['A', 'B', 'C', 'D', 'E', 'F', 'H'], alarm: null },
};

const AFFECTED_SESSIONS = 5;
export const SEARCH_TIMEOUT_MS = 800;

export interface TimeoutTurnDetail {
  id: string;
  turnId: string;
  /** Titles the reply names, as written in it (empty for returned-error). */
  inventedTitles: string[];
  reply: string;
  /** returned-error: the later turn whose reply the pipeline decorated with an invented title. */
  pipelineTurnId?: string;
  pipelineTitle?: string;
}

/** What the response pipeline appends: a "popular pick" from a stale cache, not from the catalog. */
function appendPopularPick(lang: T.ReplyLanguage, title: T.TitleNames, volume: number): (reply: string) => string {
  const ref = T.titleRef(lang, title, volume);
  return (reply) => (lang === 'ja' ? `${reply} 今週の人気作：${ref}もおすすめです。` : `${reply} Popular this week: ${ref}.`);
}

function timeoutTurn(rng: Rng, conv: Conversation, variant: string, at: number): TimeoutTurnDetail {
  const turnId = conv.newTurnId();
  const agent = rng.pick([AGENTS.productSearch, AGENTS.recommendation]);
  const liked = rng.pick(SERIES);
  const user = T.userAsksRecommendation(rng, conv.lang, rng.pick(liked.genres), liked);
  conv.routes = [];
  conv.request(at, turnId);
  const routedAt = at + rng.int(20, 90);
  conv.route(routedAt, turnId, agent, rng.float(0.82, 0.95));
  const timedOutAt = routedAt + rng.int(40, 180) + SEARCH_TIMEOUT_MS;
  const call: ToolCallRecord = { tool: 'search_manga_catalog', status: 'timeout', latency_ms: SEARCH_TIMEOUT_MS };
  conv.toolCall(timedOutAt, turnId, agent, call);
  const picks = rng.sample(INVENTED_TITLES, 2).map((title) => ({ title, volume: rng.int(1, 5), price: rng.pick([660, 748, 792]) }));
  const reply = variant === 'hallucination' ? T.replyInvented(conv.replyLang, picks) : T.replySearchUnavailable(conv.replyLang);
  const respondedAt = timedOutAt + rng.int(600, 1500);
  conv.respond(respondedAt, turnId, agent, reply);
  conv.pushTurn('user', user, at);
  conv.pushTurn('tool', JSON.stringify({ tool: 'search_manga_catalog', status: 'timeout', error: `search_manga_catalog did not respond within ${SEARCH_TIMEOUT_MS} ms` }), timedOutAt, agent);
  conv.pushTurn('assistant', reply, respondedAt, agent, [call]);
  conv.version++;
  const inventedTitles = variant === 'hallucination' ? picks.map((p) => (conv.replyLang === 'ja' ? p.title.ja : p.title.en)) : [];
  if (variant === 'hallucination') return { id: conv.id, turnId, inventedTitles, reply };
  const pick = rng.pick(INVENTED_TITLES);
  const turnsBefore = conv.logs.length;
  conv.healthy(respondedAt + rng.int(15_000, 45_000), { intent: 'stock', rewriteReply: appendPopularPick(conv.replyLang, pick, rng.int(1, 4)) });
  const pipelineTurnId = conv.logs[turnsBefore]?.fields.turn_id as string;
  return { id: conv.id, turnId, inventedTitles, reply, pipelineTurnId, pipelineTitle: conv.replyLang === 'ja' ? pick.ja : pick.en };
}

export const scenario3: ScenarioDefinition = {
  scenario: 3,
  name: 'hallucination',
  variants: VARIANTS,
  generate(rng: Rng, ctx: SeedContext, variant: string): ScenarioResult {
    const convs: Conversation[] = [];
    const turns: TimeoutTurnDetail[] = [];
    for (let i = 0; i < AFFECTED_SESSIONS; i++) {
      const conv = healthyConversation(rng, ctx, { start: preIncidentStart(rng, ctx), exchanges: rng.int(1, 3), until: ctx.incidentStart - 10_000 });
      // returned-error needs room after the timeout for the later, decorated reply.
      const latest = variant === 'hallucination' ? ctx.now - 5000 : ctx.now - 70_000;
      turns.push(timeoutTurn(rng, conv, variant, rng.int(ctx.incidentStart, latest)));
      convs.push(conv);
    }
    return {
      sessions: convs.map((c) => c.image()),
      logs: convs.flatMap((c) => c.logs),
      failovers: [],
      manifest: manifestOf(scenario3, variant, convs.map((c) => c.id), { turns, tool: 'search_manga_catalog', timeoutMs: SEARCH_TIMEOUT_MS }),
    };
  },
};
