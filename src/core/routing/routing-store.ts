import { DEFAULT_LAYOUT, SESSION_TTL_SECONDS, sessionKeys, type KeyLayout } from '../keys.js';
import type { RedisClient } from '../lua-scripts.js';
import type { SessionId } from '../session-id.js';
import { parseRouteDecision, routeDecisionProblem, type RouteDecision } from './route-decision.js';

export interface RoutingStateStoreOptions {
  layout?: KeyLayout;
  /** Inactivity expiry of `routes` and `pin`; the contract's 1800 s. */
  ttlSeconds?: number;
}

/** What {@link RoutingStateStore.clearRouting} removed: the exact stored entries, to quarantine. */
export interface ClearedRouting {
  /** The list's entries byte for byte, oldest first: the pre-image an undo restores. */
  readonly raw: readonly string[];
  /** The entries that parse as decisions (unreadable ones are only in `raw`). */
  readonly decisions: readonly RouteDecision[];
}

/**
 * The routing state of a session turn, in Redis (the contract's `routes` list and `pin`
 * string), so every orchestrator task sees the same state. The seed kept it in a dict in
 * process memory: with several ECS tasks behind the WebSocket API, the task that saw
 * routes 1 and 3 and the task that saw 2 and 4 each counted two, and neither saw a loop.
 *
 * Every operation touches a single key (atomic, and safe on a cluster with or without hash
 * tags); every write refreshes that key's inactivity expiry.
 */
export class RoutingStateStore {
  private readonly layout: KeyLayout;
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisClient,
    opts: RoutingStateStoreOptions = {},
  ) {
    this.layout = opts.layout ?? DEFAULT_LAYOUT;
    this.ttlSeconds = opts.ttlSeconds ?? SESSION_TTL_SECONDS;
  }

  /**
   * Appends a decision to the current turn's routes.
   * @returns how many routes the turn has now
   * @throws RangeError when `decision` is not a valid routing decision
   */
  async recordRoute(sessionId: SessionId, decision: RouteDecision): Promise<number> {
    const problem = routeDecisionProblem(decision);
    if (problem) throw new RangeError(`invalid routing decision: ${problem}`);
    const key = sessionKeys(this.layout, sessionId).routes;
    const entry = JSON.stringify({ agent: decision.agent, confidence: decision.confidence, at: decision.at });
    const replies = await this.redis.multi().rpush(key, entry).expire(key, this.ttlSeconds).exec();
    return Number(firstReply(replies));
  }

  /** The current turn's routes, oldest first. Entries that are not valid decisions are skipped. */
  async routesOf(sessionId: SessionId): Promise<RouteDecision[]> {
    const raw = await this.redis.lrange(sessionKeys(this.layout, sessionId).routes, 0, -1);
    return raw.map(parseRouteDecision).filter((d): d is RouteDecision => d !== null);
  }

  /**
   * Empties the turn's routes (a new turn, or a loop being broken) and returns what was
   * there, read and deleted atomically so no concurrently recorded route is lost unseen.
   */
  async clearRouting(sessionId: SessionId): Promise<ClearedRouting> {
    const key = sessionKeys(this.layout, sessionId).routes;
    const replies = await this.redis.multi().lrange(key, 0, -1).del(key).exec();
    const raw = firstReply(replies) as string[];
    return { raw, decisions: raw.map(parseRouteDecision).filter((d): d is RouteDecision => d !== null) };
  }

  /**
   * Pins the agent for the session's follow-up turns.
   * @returns the agent pinned before, or null (the pre-image, for quarantine and undo)
   */
  async pinAgent(sessionId: SessionId, agent: string): Promise<string | null> {
    const problem = routeDecisionProblem({ agent, confidence: 1, at: 0 });
    if (problem) throw new RangeError(`invalid agent: ${problem}`);
    const key = sessionKeys(this.layout, sessionId).pin;
    // GET + SET in MULTI rather than `SET ... GET`, which needs Redis 6.2.
    const replies = await this.redis.multi().get(key).set(key, agent, 'EX', this.ttlSeconds).exec();
    return firstReply(replies) as string | null;
  }

  /** The agent pinned for this session, or null. */
  async pinnedAgent(sessionId: SessionId): Promise<string | null> {
    return this.redis.get(sessionKeys(this.layout, sessionId).pin);
  }

  /** Keeps the pin alive while the session is active. False when there is no pin. */
  async touchPin(sessionId: SessionId): Promise<boolean> {
    return (await this.redis.expire(sessionKeys(this.layout, sessionId).pin, this.ttlSeconds)) === 1;
  }

  /**
   * Removes the pin (the user changed topic).
   * @returns the agent that was pinned, or null
   */
  async unpinAgent(sessionId: SessionId): Promise<string | null> {
    const key = sessionKeys(this.layout, sessionId).pin;
    const replies = await this.redis.multi().get(key).del(key).exec();
    return firstReply(replies) as string | null;
  }
}

/** The first command's reply of an EXEC, rethrowing the error of any command in it. */
function firstReply(replies: [Error | null, unknown][] | null): unknown {
  // EXEC returns null only when a WATCHed key changed, and these transactions WATCH nothing.
  if (!replies?.[0]) throw new Error('Redis transaction returned no replies');
  for (const [err] of replies) if (err) throw err;
  return replies[0][1];
}
