/**
 * Scenario 2, multi-agent routing loop (seed: classifier oscillation). Default
 * `low-confidence`: ~10 sessions whose latest turn was routed 4-6 times, alternating
 * between two agents, every confidence below 0.70; the decisions stay in the session's
 * `routes` list and RoutingCount peaks above 3. Variants: `fluctuating` (alternating, with
 * confidences on both sides of 0.70), `multi-agent` (4-5 routes to different agents, each
 * confident: a compound question, legitimately handled by several agents).
 */
import { SERIES } from './catalog.js';
import type { SeedContext } from './context.js';
import { healthyConversation, type Conversation } from './conversation.js';
import { preIncidentStart } from './incident-window.js';
import { AGENTS, type SessionImage, type ToolCallRecord } from './model.js';
import type { Rng } from './rng.js';
import { manifestOf, type ScenarioDefinition, type ScenarioExpectation, type ScenarioResult } from './scenario-types.js';
import * as T from './texts.js';

const ALARM = 'agent_routing_count' as const;
const VARIANTS: Record<string, ScenarioExpectation> = {
  'low-confidence': { verdict: 'root-cause', rootCauseId: 'ambiguous-query-low-confidence', path: ['A', 'B', 'C', 'E', 'F', 'H'], alarm: ALARM },
  fluctuating: { verdict: 'root-cause', rootCauseId: 'responses-shift-classification', path: ['A', 'B', 'C', 'E', 'G', 'H'], alarm: ALARM },
  'multi-agent': { verdict: 'benign', rootCauseId: 's2.D', path: ['A', 'B', 'D'], alarm: ALARM },
};

const AFFECTED_SESSIONS = 10;
/** The classifier confidence the seed's runbook raises the threshold to. */
export const CONFIDENCE_THRESHOLD = 0.7;
/** Loop turns end below the p99 alarm, so scenario 2 alone never trips scenario 5's alarm. */
const MAX_LOOP_TURN_MS = 4800;

export interface LoopDetail {
  id: string;
  turnId: string;
  agents: string[];
  confidences: number[];
}

const PAIRS: readonly [string, string][] = [
  [AGENTS.productSearch, AGENTS.mangaQa],
  [AGENTS.productSearch, AGENTS.recommendation],
  [AGENTS.mangaQa, AGENTS.recommendation],
];

function confidences(rng: Rng, variant: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    if (variant === 'low-confidence') return rng.float(0.48, 0.68);
    if (variant === 'fluctuating') return i % 2 === 0 ? rng.float(0.72, 0.79) : rng.float(0.55, 0.67);
    return rng.float(0.82, 0.96);
  });
}

function loopTurn(rng: Rng, ctx: SeedContext, conv: Conversation, variant: string, at: number): LoopDetail {
  const turnId = conv.newTurnId();
  const n = variant === 'multi-agent' ? rng.int(4, 5) : rng.int(4, 6);
  const agents =
    variant === 'multi-agent'
      ? rng.sample([AGENTS.orderStatus, AGENTS.productSearch, AGENTS.recommendation, AGENTS.promotion, AGENTS.mangaQa], n)
      : (() => {
          const [a, b] = rng.pick(PAIRS);
          return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
        })();
  const confs = confidences(rng, variant, n);
  conv.routes = [];
  conv.request(at, turnId);
  let t = at + rng.int(20, 90);
  const calls: ToolCallRecord[] = [];
  const s = rng.pick(SERIES);
  const stock = conv.product(s, s.volumes);
  const similar = conv.product(rng.pick(SERIES.filter((x) => x !== s && x.genres.some((g) => s.genres.includes(g)))), 1);
  const order = conv.orderId();
  agents.forEach((agent, i) => {
    conv.route(t, turnId, agent, confs[i] as number);
    if (variant === 'multi-agent') {
      // Each agent does its share of the compound question with its own tool.
      const tool = agent === AGENTS.orderStatus ? 'lookup_order' : agent === AGENTS.promotion ? 'get_coupons' : agent === AGENTS.mangaQa ? 'get_manga_details' : 'search_manga_catalog';
      const latency = rng.int(60, 300);
      const call: ToolCallRecord = { tool, status: 'ok', latency_ms: latency };
      if (agent === AGENTS.productSearch) call.product_ids = [stock.product_id];
      if (agent === AGENTS.recommendation) call.product_ids = [similar.product_id];
      if (agent === AGENTS.mangaQa) call.product_ids = [stock.product_id];
      conv.toolCall(t + rng.int(40, 100) + latency, turnId, agent, call);
      calls.push(call);
    }
    t += rng.int(400, 750);
  });
  const last = agents[agents.length - 1] as string;
  const responseAt = Math.min(t + rng.int(50, 300), at + MAX_LOOP_TURN_MS);
  const coupon = `MANGA${rng.int(10, 30)}`;
  const reply = variant === 'multi-agent' ? T.replyCompound(conv.replyLang, order, stock, similar, coupon) : T.replyClarification(conv.replyLang);
  const user = variant === 'multi-agent' ? T.userCompound(conv.lang, order, s) : T.userAmbiguous(rng, conv.lang);
  conv.respond(responseAt, turnId, last, reply);
  conv.pushTurn('user', user, at);
  conv.pushTurn('assistant', reply, responseAt, last, calls.length > 0 ? calls : undefined);
  conv.version++;
  return { id: conv.id, turnId, agents, confidences: conv.routes.map((r) => r.confidence) };
}

export const scenario2: ScenarioDefinition = {
  scenario: 2,
  name: 'low-confidence',
  variants: VARIANTS,
  generate(rng: Rng, ctx: SeedContext, variant: string): ScenarioResult {
    const sessions: SessionImage[] = [];
    const loops: LoopDetail[] = [];
    const convs: Conversation[] = [];
    for (let i = 0; i < AFFECTED_SESSIONS; i++) {
      const conv = healthyConversation(rng, ctx, { start: preIncidentStart(rng, ctx), exchanges: rng.int(1, 3), until: ctx.incidentStart - 10_000 });
      const at = rng.int(ctx.incidentStart, ctx.now - MAX_LOOP_TURN_MS - 1000);
      loops.push(loopTurn(rng, ctx, conv, variant, at));
      sessions.push(conv.image());
      convs.push(conv);
    }
    return {
      sessions,
      logs: convs.flatMap((c) => c.logs),
      failovers: [],
      manifest: manifestOf(scenario2, variant, convs.map((c) => c.id), { loops, confidenceThreshold: CONFIDENCE_THRESHOLD }),
    };
  },
};
