import { ROUTING_LIMITS } from '../../core/routing/index.js';
import type { Question, QuestionEnv } from '../types.js';

/**
 * The Logs Insights queries of a diagnosis over `/manga-assist/orchestrator`. Each is one
 * aggregation, so its answer stays small however busy the log group is (Insights returns at
 * most 10,000 rows; a query that fills them says so with `truncated`), and each serves every
 * probe that needs it: five queries answer the seven logs probes and the triage.
 */

/** Rows at most (Insights' own cap). */
export const INSIGHTS_ROW_LIMIT = 10_000;

export interface InsightsAnswer<T> {
  rows: T[];
  /** The row limit was reached: counts are lower bounds. */
  truncated: boolean;
}

/**
 * GetQueryResults pacing. Against AWS, five queries polled once a second each stay within
 * the account's GetQueryResults rate (5 TPS) and a query takes seconds anyway; against a
 * custom endpoint (the lab's emulator, a local stack) queries finish in milliseconds.
 */
function pollMs(env: QuestionEnv): number {
  return env.config.aws.endpoints.logs ? 50 : 1000;
}

/** `2024-05-01 12:34:56.789` (Insights' rendering of @timestamp, UTC) to epoch ms. */
export function insightsTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(`${value.trim().replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

const num = (v: string | undefined): number => (v === undefined || v === '' ? 0 : Number(v));

/** A Logs Insights query over the window as a question; `parse` turns a row into a value (or skips it). */
export function insightsQuestion<T>(key: string, text: string, parse: (row: Record<string, string>) => T | undefined): Question<InsightsAnswer<T>> {
  return {
    key,
    source: 'logs',
    describe: (env) => `Logs Insights on ${env.config.names.logGroup}: ${text.replace(/\s*\n\s*/g, ' ')}`,
    async run(env) {
      const logs = await env.sources.logs();
      const out = await logs.runInsightsQuery(
        { startTime: new Date(env.window.start), endTime: new Date(env.window.end), query: text, limit: INSIGHTS_ROW_LIMIT },
        { signal: env.signal, pollMs: pollMs(env) },
      );
      const rows = out.rows.map(parse).filter((r): r is T => r !== undefined);
      return { rows, truncated: out.rows.length >= INSIGHTS_ROW_LIMIT };
    },
  };
}

/** One session's failures of one kind (load, save or state write) in the window. */
export interface ErrorRow {
  event: 'session_load_failed' | 'session_save_failed' | 'state_write_conflict';
  errorType: string;
  sessionId: string;
  events: number;
  turns: number;
  first: number | undefined;
  last: number | undefined;
  /** The latest message of the group (save failures are told apart by it). */
  message: string;
}

/** Load failures, save failures and WatchError conflicts, per event, error type and session. */
export const errorEvents = insightsQuestion<ErrorRow>(
  'logs.errors',
  `filter event in ["session_load_failed", "session_save_failed", "state_write_conflict"]
| stats count(*) as events, count_distinct(turn_id) as turns, min(@timestamp) as first, max(@timestamp) as last, latest(message) as message by event, error_type, session_id
| limit ${INSIGHTS_ROW_LIMIT}`,
  (r) =>
    r.session_id
      ? {
          event: r.event as ErrorRow['event'],
          errorType: r.error_type ?? '',
          sessionId: r.session_id,
          events: num(r.events),
          turns: num(r.turns),
          first: insightsTime(r.first),
          last: insightsTime(r.last),
          message: r.message ?? '',
        }
      : undefined,
);

/** One turn routed more times than the runbook allows. */
export interface RouteTurnRow {
  sessionId: string;
  turnId: string;
  routes: number;
  agents: number;
  minConfidence: number;
  maxConfidence: number;
  firstAgent: string;
  lastAgent: string;
  first: number | undefined;
}

/** Turns with more than `maxRoutesPerTurn` route events: the loops the RoutingCount alarm counts. */
export const loopingTurns = insightsQuestion<RouteTurnRow>(
  'logs.route_turns',
  `filter event = "route"
| stats count(*) as routes, count_distinct(agent) as agents, min(confidence) as min_confidence, max(confidence) as max_confidence, earliest(agent) as first_agent, latest(agent) as last_agent, min(@timestamp) as first by session_id, turn_id
| filter routes > ${ROUTING_LIMITS.maxRoutesPerTurn}
| limit ${INSIGHTS_ROW_LIMIT}`,
  (r) =>
    r.session_id && r.turn_id
      ? {
          sessionId: r.session_id,
          turnId: r.turn_id,
          routes: num(r.routes),
          agents: num(r.agents),
          minConfidence: num(r.min_confidence),
          maxConfidence: num(r.max_confidence),
          firstAgent: r.first_agent ?? '',
          lastAgent: r.last_agent ?? '',
          first: insightsTime(r.first),
        }
      : undefined,
);

/** A turn in which a tool timed out, with the response that followed, if any. */
export interface TimeoutTurnRow {
  sessionId: string;
  turnId: string;
  tool: string;
  timeouts: number;
  responses: number;
  /** The turn's last response text (assistant output: masked before it is shown). */
  response: string;
  first: number | undefined;
}

/** Turns with a `tool_call` timeout, and whether (and what) the agent answered afterwards. */
export const timeoutTurns = insightsQuestion<TimeoutTurnRow>(
  'logs.tool_timeouts',
  `filter (event = "tool_call" and status = "timeout") or event = "response"
| stats count(status) as timeouts, count(text) as responses, latest(text) as response, latest(tool) as tool, min(@timestamp) as first by session_id, turn_id
| filter timeouts > 0
| limit ${INSIGHTS_ROW_LIMIT}`,
  (r) =>
    r.session_id && r.turn_id
      ? {
          sessionId: r.session_id,
          turnId: r.turn_id,
          tool: r.tool ?? '',
          timeouts: num(r.timeouts),
          responses: num(r.responses),
          response: r.response ?? '',
          first: insightsTime(r.first),
        }
      : undefined,
);

/** Requests of one session that fell in the same 200 ms slot. */
export interface RequestSlotRow {
  sessionId: string;
  requests: number;
  first: number;
  last: number;
}

/** When a request was received: its `received_at`, else the event time. */
const RECEIVED = 'coalesce(received_at, toMillis(@timestamp))';

/**
 * Requests grouped per session into 200 ms slots, on a grid shifted by `offsetMs` (0 or
 * 100). Two requests less than 100 ms apart share a slot on at least one of the two grids
 * (at most one slot boundary of either grid falls between them), so the two queries
 * together see every such pair; a slot's first and last time then decide it exactly.
 */
export function requestSlots(offsetMs: 0 | 100): Question<InsightsAnswer<RequestSlotRow>> {
  return insightsQuestion<RequestSlotRow>(
    `logs.request_slots.${offsetMs}`,
    `filter event = "request"
| fields ${RECEIVED} as received, floor((${RECEIVED} + ${offsetMs}) / 200) as slot
| stats count(*) as requests, min(received) as first, max(received) as last by session_id, slot
| filter requests > 1
| limit ${INSIGHTS_ROW_LIMIT}`,
    (r) => (r.session_id ? { sessionId: r.session_id, requests: num(r.requests), first: num(r.first), last: num(r.last) } : undefined),
  );
}

export const requestSlotsOnGrid = [requestSlots(0), requestSlots(100)] as const;
