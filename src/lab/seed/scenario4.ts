/**
 * Scenario 4, DynamoDB session state size limit exceeded. Default `item-size`: 8 power-user
 * sessions of 150+ turns of long Japanese and English text, measured by DynamoDB's rules
 * (src/core/size): three just under 400 KB, five over it. Real DynamoDB would have refused
 * the items over the limit; dynalite counts strings in UTF-16 units, so these Japanese-heavy
 * items fit by its measure and the lab can hold what production would be trying to write.
 * Every save after a session crossed the limit logs `session_save_failed` ValidationException
 * "Item size has exceeded the maximum allowed size". Variant `other-validation`: saves of
 * ordinary sessions fail with a different ValidationException message; no large items.
 */
import { itemSizeBytes, MAX_ITEM_BYTES } from '../../core/size/item-size.js';
import { SERIES, type Series } from './catalog.js';
import type { SeedContext } from './context.js';
import { Conversation, healthyConversation } from './conversation.js';
import { preIncidentStart } from './incident-window.js';
import { AGENTS, type LogRecord, type ToolCallRecord, type Turn } from './model.js';
import type { Rng } from './rng.js';
import { manifestOf, type ScenarioDefinition, type ScenarioExpectation, type ScenarioResult } from './scenario-types.js';
import * as T from './texts.js';

const ALARM = 'manga_sessions_validation_exception' as const;
const VARIANTS: Record<string, ScenarioExpectation> = {
  'item-size': { verdict: 'root-cause', rootCauseId: 'unbounded-history-accumulation', path: ['A', 'B', 'C', 'E', 'F', 'G', 'H'], alarm: ALARM },
  'other-validation': { verdict: 'other-runbook', rootCauseId: 's4.D', path: ['A', 'B', 'D'], alarm: ALARM },
};

export const ITEM_SIZE_MESSAGE = 'Item size has exceeded the maximum allowed size';
export const EMPTY_STRING_MESSAGE = 'One or more parameter values were invalid: An AttributeValue may not contain an empty string';

/** Target sizes in DynamoDB KB (1024 bytes): three just under the limit, five over. */
const TARGET_KB = [388, 394, 399, 411, 418, 427, 438, 449] as const;
const OTHER_VALIDATION_SESSIONS = 8;

export interface LargeItemDetail {
  id: string;
  /** Item size by DynamoDB's rules (UTF-8), bytes. */
  sizeBytes: number;
  overLimit: boolean;
  turnCount: number;
  failedSaves: number;
}

interface Exchange {
  at: number;
  turnId: string;
  routedAt: number;
  confidence: number;
  toolEnd: number;
  latency: number;
  user: Turn;
  tool: Turn;
  assistant: Turn;
}

const JA_FILLER = '以上が本作の詳細です。ご不明な点があればお気軽にお尋ねください。続刊の予約も承っております。';

/**
 * Trims the replies in `adjustable` (oldest first) until `item` fits `target`, then pads the
 * first so the item measures exactly `target` bytes by DynamoDB's rules.
 */
function tuneTo(item: Record<string, unknown>, adjustable: readonly Turn[], target: number): number {
  const first = adjustable[0];
  if (!first) throw new Error('no turn to tune the item size with');
  let size = itemSizeBytes(item);
  for (const turn of adjustable) {
    if (size <= target) break;
    // Each character is at least one byte, so cutting `excess` characters always gets there or empties the turn.
    const keep = Math.max(40, turn.content.length - (size - target));
    turn.content = turn.content.slice(0, keep);
    size = itemSizeBytes(item);
  }
  if (size > target) throw new Error(`cannot fit a session into ${target} bytes`);
  const diff = target - size;
  const jaChars = Math.floor(diff / 3);
  first.content += ' '.repeat(diff - jaChars * 3) + JA_FILLER.repeat(Math.ceil(jaChars / JA_FILLER.length) + 1).slice(0, jaChars);
  return itemSizeBytes(item);
}

function longExchange(rng: Rng, conv: Conversation, s: Series, at: number, budget: number): Exchange {
  const turnId = conv.newTurnId();
  const routedAt = at + rng.int(20, 90);
  const latency = rng.int(80, 400);
  const toolEnd = routedAt + rng.int(40, 150) + latency;
  const respondedAt = toolEnd + rng.int(500, 1500);
  const results = Array.from({ length: Math.min(6, s.volumes) }, (_, i) => conv.product(s, s.volumes - i)).map((p) => ({
    product_id: p.product_id, title: p.title, title_en: p.title_en, volume: p.volume, price: p.price, in_stock: p.in_stock,
  }));
  const toolContent = JSON.stringify({
    tool: 'get_manga_details', status: 'ok', title: s.titleJa, title_en: s.titleEn, author: s.author, publisher: s.publisher,
    volumes: s.volumes, synopsis: T.longDescription(rng, s, Math.floor(budget * 0.4)), results,
  });
  const reply = `${T.replyDetails(conv.replyLang, s)} ${T.longDescription(rng, s, Math.floor(budget * 0.5))}`;
  const call: ToolCallRecord = { tool: 'get_manga_details', status: 'ok', latency_ms: latency, product_ids: results.map((r) => r.product_id) };
  return {
    at, turnId, routedAt, confidence: rng.float(0.82, 0.97), toolEnd, latency,
    user: { role: 'user', content: T.userAsksDetails(rng, conv.lang, s), ts: at },
    tool: { role: 'tool', content: toolContent, agent_name: AGENTS.mangaQa, ts: toolEnd },
    assistant: { role: 'assistant', content: reply, agent_name: AGENTS.mangaQa, ts: respondedAt, tool_calls: [call] },
  };
}

/** One power user's two-hour conversation, tuned to `targetBytes`, with its logs and failed saves. */
function powerUser(rng: Rng, ctx: SeedContext, targetBytes: number): { conv: Conversation; detail: LargeItemDetail } {
  const conv = new Conversation(rng, ctx, ctx.newSessionId(rng), rng.chance(0.7) ? 'ja' : 'mixed', rng.pick(ctx.streams));
  const count = rng.int(55, 68);
  const start = ctx.now - rng.int(100, 140) * 60_000;
  const last = ctx.now - rng.int(15_000, 60_000);
  const step = (last - start) / (count - 1);
  // Under budget (tool results and JSON add to the prose): tuning pads the difference.
  const budget = Math.floor((targetBytes * 0.85) / count);
  const exchanges: Exchange[] = [];
  for (let i = 0; i < count; i++) {
    const at = Math.round(start + i * step + (i > 0 && i < count - 1 ? rng.int(-20_000, 20_000) : 0));
    const ex = longExchange(rng, conv, rng.pick(SERIES), at, budget);
    exchanges.push(ex);
    conv.turns.push(ex.user, ex.tool, ex.assistant);
  }
  conv.version = count;
  conv.createdAt = start;
  conv.lastActivity = exchanges[exchanges.length - 1]?.assistant.ts ?? last;
  conv.currentAgent = AGENTS.mangaQa;
  // Replies older than the log window absorb the tuning, so no logged response changes.
  const old = exchanges.filter((e) => e.at < ctx.windowStart).map((e) => e.assistant);
  const sizeBytes = tuneTo(conv.item() as unknown as Record<string, unknown>, old, targetBytes);

  // Walk the history as the orchestrator saved it: every save after the crossing failed.
  let failedSaves = 0;
  const base = itemSizeBytes({ ...conv.item(), turns: [] } as unknown as Record<string, unknown>);
  let size = base;
  for (const ex of exchanges) {
    // A list element costs 1 byte plus its map; itemSizeBytes({ t }) is exactly that (name 't' is 1 byte).
    for (const t of [ex.user, ex.tool, ex.assistant]) size += itemSizeBytes({ t } as Record<string, unknown>);
    if (ex.at < ctx.windowStart) continue;
    conv.routes = [];
    conv.request(ex.at, ex.turnId);
    conv.route(ex.routedAt, ex.turnId, AGENTS.mangaQa, ex.confidence);
    conv.toolCall(ex.toolEnd, ex.turnId, AGENTS.mangaQa, (ex.assistant.tool_calls as ToolCallRecord[])[0] as ToolCallRecord);
    conv.respond(ex.assistant.ts, ex.turnId, AGENTS.mangaQa, ex.assistant.content);
    if (size > MAX_ITEM_BYTES) {
      failedSaves++;
      conv.log(ex.assistant.ts + rng.int(20, 80), 'session_save_failed', 'ERROR', ex.turnId, {
        error_type: 'ValidationException', message: ITEM_SIZE_MESSAGE, table: 'manga_sessions',
      });
    }
  }
  return { conv, detail: { id: conv.id, sizeBytes, overLimit: sizeBytes > MAX_ITEM_BYTES, turnCount: conv.turns.length, failedSaves } };
}

function otherValidation(rng: Rng, ctx: SeedContext): Conversation {
  const conv = healthyConversation(rng, ctx, { start: preIncidentStart(rng, ctx), exchanges: rng.int(1, 3), until: ctx.incidentStart - 10_000 });
  const at = rng.int(ctx.incidentStart, ctx.now - 5000);
  conv.healthy(at);
  const last = conv.logs[conv.logs.length - 1] as LogRecord;
  conv.log(last.timestamp + rng.int(20, 80), 'session_save_failed', 'ERROR', last.fields.turn_id, {
    error_type: 'ValidationException', message: EMPTY_STRING_MESSAGE, table: 'manga_sessions',
  });
  return conv;
}

export const scenario4: ScenarioDefinition = {
  scenario: 4,
  name: 'item-size',
  variants: VARIANTS,
  generate(rng: Rng, ctx: SeedContext, variant: string): ScenarioResult {
    if (variant === 'other-validation') {
      const convs = Array.from({ length: OTHER_VALIDATION_SESSIONS }, () => otherValidation(rng, ctx));
      return {
        sessions: convs.map((c) => c.image()),
        logs: convs.flatMap((c) => c.logs),
        failovers: [],
        manifest: manifestOf(scenario4, variant, convs.map((c) => c.id), { message: EMPTY_STRING_MESSAGE }),
      };
    }
    const users = TARGET_KB.map((kb) => powerUser(rng, ctx, kb * 1024));
    return {
      sessions: users.map((u) => u.conv.image()),
      logs: users.flatMap((u) => u.conv.logs),
      failovers: [],
      manifest: manifestOf(scenario4, variant, users.map((u) => u.conv.id), {
        message: ITEM_SIZE_MESSAGE,
        limitBytes: MAX_ITEM_BYTES,
        items: users.map((u) => u.detail),
        note: 'items over the limit exist only because dynalite measures strings in UTF-16 units; real DynamoDB would have rejected them',
      }),
    };
  },
};
