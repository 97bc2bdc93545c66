/**
 * The seeder's intermediate form: everything a seed writes, as plain data, built by pure
 * generators (background, scenario1..5) and written by src/lab/seed/writers. Keeping the
 * two apart lets unit tests check the documented signals without any service running.
 */
import type { SessionKeyKind } from '../../core/keys.js';

/** A tool invocation as recorded on an assistant turn. */
export interface ToolCallRecord {
  tool: string;
  status: 'ok' | 'timeout' | 'error';
  latency_ms: number;
  product_ids?: string[];
}

/** A turn as the contract (section 5) defines it. */
export interface Turn {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  agent_name?: string;
  ts: number;
  tool_calls?: ToolCallRecord[];
}

/** A routing decision as kept in the `routes` list. */
export interface RouteDecision {
  agent: string;
  confidence: number;
  at: number;
}

/** Raw Redis value: a string, or bytes for deliberately garbled (non-UTF-8) entries. */
export type RedisValue = string | Buffer;

/** One Redis key of a session; `ttlMs` null means no expiry at all (PERSIST). */
export type RedisKeyImage =
  | { kind: SessionKeyKind; type: 'list'; entries: RedisValue[]; ttlMs: number | null }
  | { kind: SessionKeyKind; type: 'string'; value: RedisValue; ttlMs: number | null };

/** A `manga_sessions` item (plain JS; the writer marshals it). */
export interface SessionItem {
  session_id: string;
  turns: Turn[];
  turn_count: number;
  created_at: number;
  updated_at: number;
  version: number;
}

/** A session as the lab leaves it in Redis and DynamoDB. */
export interface SessionImage {
  id: string;
  redis: RedisKeyImage[];
  /** null: the session has no item in `manga_sessions`. */
  dynamo: SessionItem | null;
}

/** The event names of the contract's log events (section 5). */
export type LogEventName =
  | 'request'
  | 'route'
  | 'tool_call'
  | 'response'
  | 'session_load_failed'
  | 'session_save_failed'
  | 'state_write_conflict';

/** One JSON log event; `fields` is serialized in insertion order, so bytes are stable. */
export interface LogRecord {
  timestamp: number;
  stream: string;
  fields: { event: LogEventName; level: 'INFO' | 'WARN' | 'ERROR'; session_id: string; turn_id: string } & Record<string, unknown>;
}

/**
 * An ElastiCache failover as the lab emulator performs it: the replica of the node group is
 * promoted and ElastiCache's events are recorded ("Failover from primary node ... to replica
 * node ... completed", "Recovering cache nodes ...", "Finished recovery ..."), starting at `at`.
 */
export interface CacheFailover {
  replicationGroupId: string;
  nodeGroupId: string;
  at: number;
}

/** What one generator (background or a scenario) contributes. */
export interface GeneratedPart {
  sessions: SessionImage[];
  logs: LogRecord[];
  failovers: CacheFailover[];
}

/** The agents of the Agent Squad. */
export const AGENTS = {
  productSearch: 'ProductSearchAgent',
  mangaQa: 'MangaQAAgent',
  recommendation: 'RecommendationAgent',
  orderStatus: 'OrderStatusAgent',
  promotion: 'PromotionAgent',
} as const;
