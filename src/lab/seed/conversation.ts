/**
 * One MangaAssist session as it unfolds: each exchange appends the turns the orchestrator
 * stores and the log events it writes, with consistent timestamps (request, route,
 * tool_call, response), so the Redis, DynamoDB and CloudWatch views of a session agree.
 * Scenarios start from a healthy conversation and then add or damage what they need.
 */
import { SERIES, productId, type Product, type Series } from './catalog.js';
import { SESSION_TTL_MS, type SeedContext } from './context.js';
import { AGENTS, type LogRecord, type RouteDecision, type SessionImage, type SessionItem, type ToolCallRecord, type Turn } from './model.js';
import type { Rng } from './rng.js';
import * as T from './texts.js';

export type Intent = 'stock' | 'recommend' | 'details' | 'order';

export interface ExchangeOptions {
  intent?: Intent;
  /** Total time from request to response; default: a healthy 0.6-2.45 s. */
  latencyMs?: number;
  /** Called with the turn id, agent and the span between tool result and response. */
  during?: (turnId: string, agent: string, from: number, to: number) => void;
  /** Rewrites the reply after the agent wrote it (a response pipeline step). */
  rewriteReply?: (reply: string) => string;
}

/** Healthy turns finish within this many ms of the request (keeps healthy p99 under 2.5 s). */
export const HEALTHY_MAX_LATENCY_MS = 2450;

/** A tool's answer: what the `tool` turn holds and what the reply may name. */
interface ToolOutcome {
  agent: string;
  tool: string;
  user: string;
  products: Product[];
  reply: string;
  /** JSON the `tool` turn stores. */
  result: unknown;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

export class Conversation {
  readonly turns: Turn[] = [];
  readonly logs: LogRecord[] = [];
  /** Routing decisions of the latest exchange (what the `routes` key holds). */
  routes: RouteDecision[] = [];
  version = 0;
  createdAt: number | undefined;
  lastActivity = 0;
  currentAgent: string | undefined;
  readonly replyLang: T.ReplyLanguage;

  constructor(
    readonly rng: Rng,
    readonly ctx: SeedContext,
    readonly id: string,
    readonly lang: T.Language,
    readonly stream: string,
  ) {
    this.replyLang = T.replyLanguage(lang);
  }

  newTurnId(): string {
    return `trn-${this.rng.hex(16)}`;
  }

  /** Appends one log event of this session. */
  log(ts: number, event: LogRecord['fields']['event'], level: LogRecord['fields']['level'], turnId: string, extra: Record<string, unknown> = {}): void {
    this.logs.push({ timestamp: ts, stream: this.stream, fields: { event, level, session_id: this.id, turn_id: turnId, ...extra } });
  }

  request(at: number, turnId: string): void {
    this.log(at, 'request', 'INFO', turnId, { received_at: at });
    this.createdAt ??= at;
    this.lastActivity = Math.max(this.lastActivity, at);
  }

  route(at: number, turnId: string, agent: string, confidence: number): void {
    const c = round2(confidence);
    this.log(at, 'route', 'INFO', turnId, { agent, confidence: c });
    this.routes.push({ agent, confidence: c, at });
    this.currentAgent = agent;
  }

  toolCall(at: number, turnId: string, agent: string, call: ToolCallRecord): void {
    const level = call.status === 'ok' ? 'INFO' : 'WARN';
    this.log(at, 'tool_call', level, turnId, { agent, ...call });
  }

  respond(at: number, turnId: string, agent: string, text: string): void {
    this.log(at, 'response', 'INFO', turnId, { agent, text });
    this.lastActivity = Math.max(this.lastActivity, at);
  }

  /** Pushes a turn, leaving out absent optional fields (DynamoDB rejects undefined). */
  pushTurn(role: Turn['role'], content: string, ts: number, agent?: string, toolCalls?: ToolCallRecord[]): void {
    const turn: Turn = { role, content, ts };
    if (agent !== undefined) turn.agent_name = agent;
    if (toolCalls !== undefined) turn.tool_calls = toolCalls;
    this.turns.push(turn);
    this.lastActivity = Math.max(this.lastActivity, ts);
  }

  /**
   * One exchange starting at `at`; returns when the response went out. Healthy by default;
   * `latencyMs` stretches it (a turn stuck behind a lock), and `during` lets a scenario log
   * what happened between the tool result and the response.
   */
  healthy(at: number, opts: ExchangeOptions = {}): number {
    const { rng } = this;
    const intent = opts.intent ?? this.pickIntent();
    const turnId = this.newTurnId();
    const out = this.outcome(intent);
    this.routes = [];
    this.request(at, turnId);
    let t = at + rng.int(20, 90);
    // An occasional hand-off: search first, then the recommender. Two routes, two agents,
    // both confident: normal traffic, not a loop.
    if (intent === 'recommend' && rng.chance(0.15)) {
      this.route(t, turnId, AGENTS.productSearch, rng.float(0.8, 0.86));
      t += rng.int(300, 700);
    }
    this.route(t, turnId, out.agent, rng.float(0.8, 0.98));
    const toolStart = t + rng.int(40, 180);
    const latency = rng.int(60, 450);
    const toolEnd = toolStart + latency;
    const call: ToolCallRecord = { tool: out.tool, status: 'ok', latency_ms: latency };
    if (out.products.length > 0) call.product_ids = out.products.map((p) => p.product_id);
    this.toolCall(toolEnd, turnId, out.agent, call);
    if (opts.rewriteReply) out.reply = opts.rewriteReply(out.reply);
    const responseAt = opts.latencyMs !== undefined ? at + opts.latencyMs : Math.min(toolEnd + rng.int(300, 1400), at + HEALTHY_MAX_LATENCY_MS);
    opts.during?.(turnId, out.agent, toolEnd, responseAt);
    this.respond(responseAt, turnId, out.agent, out.reply);
    this.pushTurn('user', out.user, at);
    this.pushTurn('tool', JSON.stringify(out.result), toolEnd, out.agent);
    this.pushTurn('assistant', out.reply, responseAt, out.agent, [call]);
    this.version++;
    return responseAt;
  }

  pickIntent(): Intent {
    const x = this.rng.next();
    return x < 0.35 ? 'stock' : x < 0.6 ? 'recommend' : x < 0.8 ? 'details' : 'order';
  }

  product(s: Series, volume: number): Product {
    const p = this.ctx.productIndex.get(productId(s, volume));
    if (!p) throw new Error(`catalog has no ${productId(s, volume)}`);
    return p;
  }

  orderId(): string {
    return `MA-${this.rng.int(100000, 999999)}`;
  }

  private outcome(intent: Intent): ToolOutcome {
    const { rng, lang, replyLang } = this;
    const results = (ps: Product[]) => ({
      results: ps.map((p) => ({ product_id: p.product_id, title: p.title, title_en: p.title_en, volume: p.volume, price: p.price, in_stock: p.in_stock })),
    });
    switch (intent) {
      case 'stock': {
        const s = rng.pick(SERIES);
        const v = rng.chance(0.5) ? s.volumes : rng.int(1, s.volumes);
        const products = [this.product(s, v)];
        if (v > 1 && rng.chance(0.3)) products.push(this.product(s, v - 1));
        const tool = rng.chance(0.3) ? 'check_inventory' : 'search_manga_catalog';
        return { agent: AGENTS.productSearch, tool, user: T.userAsksStock(rng, lang, s, v), products, reply: T.replyStock(replyLang, products), result: results(products) };
      }
      case 'recommend': {
        const genre = rng.pick(rng.pick(SERIES).genres);
        const pool = SERIES.filter((s) => s.genres.includes(genre));
        const liked = rng.pick(pool);
        const others = pool.filter((s) => s !== liked);
        const picks = rng.sample(others.length > 0 ? others : pool, 3);
        const products = picks.map((s) => this.product(s, 1));
        return {
          agent: AGENTS.recommendation, tool: 'search_manga_catalog', user: T.userAsksRecommendation(rng, lang, genre, liked),
          products, reply: T.replyRecommendation(replyLang, products), result: results(products),
        };
      }
      case 'details': {
        const s = rng.pick(SERIES);
        const products = s.volumes > 1 ? [this.product(s, 1), this.product(s, s.volumes)] : [this.product(s, 1)];
        return {
          agent: AGENTS.mangaQa, tool: 'get_manga_details', user: T.userAsksDetails(rng, lang, s), products,
          reply: T.replyDetails(replyLang, s), result: { title: s.titleJa, title_en: s.titleEn, author: s.author, volumes: s.volumes, ...results(products) },
        };
      }
      case 'order': {
        const order = this.orderId();
        return {
          agent: AGENTS.orderStatus, tool: 'lookup_order', user: T.userAsksOrder(rng, lang, order), products: [],
          reply: T.replyOrder(rng, replyLang, order), result: { order_id: order, status: rng.pick(['shipped', 'packing']) },
        };
      }
    }
  }

  /** The shared state object the agents read and write, with its integer version. */
  state(): Record<string, unknown> {
    return {
      version: this.version,
      current_agent: this.currentAgent ?? null,
      language: this.lang,
      turn_count: this.turns.length,
      updated_at: this.lastActivity,
    };
  }

  /** Remaining TTL of keys last written at the session's last activity. */
  ttlMs(): number {
    return Math.max(1000, SESSION_TTL_MS - (this.ctx.now - this.lastActivity));
  }

  item(): SessionItem {
    return {
      session_id: this.id,
      turns: this.turns,
      turn_count: this.turns.length,
      created_at: this.createdAt ?? this.turns[0]?.ts ?? this.ctx.now,
      updated_at: this.lastActivity,
      version: this.version,
    };
  }

  /**
   * The session as a healthy orchestrator leaves it: turns, a backup equal to them, state,
   * the current turn's routes, all with the same TTL; and the same turns in DynamoDB.
   */
  image(): SessionImage {
    const ttlMs = this.ttlMs();
    const redis: SessionImage['redis'] = [
      { kind: 'turns', type: 'list', entries: this.turns.map((t) => JSON.stringify(t)), ttlMs },
      { kind: 'backup', type: 'string', value: JSON.stringify(this.turns), ttlMs },
      { kind: 'state', type: 'string', value: JSON.stringify(this.state()), ttlMs },
    ];
    if (this.routes.length > 0) redis.push({ kind: 'routes', type: 'list', entries: this.routes.map((r) => JSON.stringify(r)), ttlMs });
    return { id: this.id, redis, dynamo: this.item() };
  }
}

/** Language mix of MangaAssist users: mostly Japanese, a third English, some mixing both. */
export function pickLanguage(rng: Rng): T.Language {
  const x = rng.next();
  return x < 0.55 ? 'ja' : x < 0.85 ? 'en' : 'mixed';
}

/**
 * A healthy conversation of `exchanges` turns from `start`, spaced like a person typing and
 * reading; stops early rather than running past `until`. Returns the conversation and when
 * its last response went out.
 */
export function healthyConversation(rng: Rng, ctx: SeedContext, opts: { start: number; exchanges: number; until: number; lang?: T.Language; id?: string }): Conversation {
  const conv = new Conversation(rng, ctx, opts.id ?? ctx.newSessionId(rng), opts.lang ?? pickLanguage(rng), rng.pick(ctx.streams));
  let t = opts.start;
  for (let i = 0; i < opts.exchanges; i++) {
    if (t + HEALTHY_MAX_LATENCY_MS > opts.until) break;
    const end = conv.healthy(t);
    t = end + rng.int(15_000, 120_000);
  }
  return conv;
}
