/**
 * The healthy traffic every seed starts with: N sessions of 1-6 exchanges spread over the
 * window, in Redis and DynamoDB, with their request/route/tool_call/response events. Nothing
 * here trips an alarm or matches any scenario's signal.
 */
import type { SeedContext } from './context.js';
import { healthyConversation } from './conversation.js';
import type { GeneratedPart } from './model.js';
import type { Rng } from './rng.js';

export function generateBackground(rng: Rng, ctx: SeedContext, sessions: number): GeneratedPart {
  const part: GeneratedPart = { sessions: [], logs: [], failovers: [] };
  for (let i = 0; i < sessions; i++) {
    const conv = healthyConversation(rng, ctx, {
      start: rng.int(ctx.windowStart, ctx.now - 60_000),
      exchanges: rng.int(1, 6),
      until: ctx.now - 3000,
    });
    part.sessions.push(conv.image());
    for (const e of conv.logs) part.logs.push(e);
  }
  return part;
}
