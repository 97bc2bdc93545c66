/**
 * What the agent is told about a tool call (scenario 3; the seed's ToolTimeoutGuard). The
 * incident: a timeout reached the reasoning engine as "no results", and it filled the gap
 * from its training data. So a failure and an empty answer are distinct observations here,
 * and a failed grounding tool comes with an explicit instruction not to invent data.
 *
 * Fixed from the seed: a retry is offered only when the remaining budget covers one more
 * attempt (the seed offered it at 0 ms), and "cached popular picks" only when the caller has
 * a cache to serve them from (otherwise the instruction invites made-up picks).
 */

/** Tools whose failure must not be papered over with the model's own knowledge. */
export const GROUNDING_REQUIRED_TOOLS: ReadonlySet<string> = new Set([
  'search_manga_catalog',
  'get_manga_details',
  'lookup_order',
  'check_inventory',
]);

/** The MCP tool timeout of the incident: a retry needs at least this much budget left. */
export const DEFAULT_TOOL_TIMEOUT_MS = 800;

export type ObservationKind = 'results' | 'no_results' | 'tool_failed' | 'timeout';

export interface ToolObservation {
  kind: ObservationKind;
  tool: string;
  groundingRequired: boolean;
  /** The text handed to the agent as the tool's observation. */
  text: string;
  /** Whether the agent may call the tool again within its budget. */
  retryAllowed: boolean;
  /** Items the tool returned ('results' and 'no_results'). */
  resultCount?: number;
}

/** A tool call as the orchestrator logs it (`tool_call` events: status ok | timeout | error). */
export interface ToolCallOutcome {
  tool: string;
  status: 'ok' | 'timeout' | 'error';
  output?: unknown;
  /** The failure, for status 'error': classified by its `name`. */
  error?: { name?: string; message?: string };
  /** Budget left in the turn when the outcome arrived. */
  remainingMs?: number;
}

export interface ObservationOptions {
  /** Budget one more attempt needs. Default {@link DEFAULT_TOOL_TIMEOUT_MS}. */
  retryCostMs?: number;
  /** True only when a cache of popular picks can be served by a tool (never from memory). */
  cachedPicksAvailable?: boolean;
}

const USER_MESSAGE = "I'm having trouble searching right now. Please try again in a moment.";

function mustNotInvent(tool: string, what: string, remainingMs: number, opts: ObservationOptions): { text: string; retryAllowed: boolean } {
  const budget = Math.max(0, Math.round(remainingMs));
  const retryAllowed = budget >= (opts.retryCostMs ?? DEFAULT_TOOL_TIMEOUT_MS);
  const lines = [
    `${what}: the ${tool} tool ${what === 'TOOL TIMEOUT' ? 'did not respond in time' : 'failed'}. The lookup was NOT performed: this is not the same as finding no results.`,
    'CRITICAL: You MUST NOT state manga titles, volumes, prices, availability or order information from your own knowledge.',
    retryAllowed
      ? `You may retry ${tool} once (remaining budget: ${budget} ms).`
      : `Do not retry: the remaining budget (${budget} ms) is shorter than one attempt.`,
    `Tell the user: '${USER_MESSAGE}'`,
  ];
  if (opts.cachedPicksAvailable) lines.push('You may offer cached popular picks, only as returned by the cache tool.');
  return { text: lines.join('\n'), retryAllowed };
}

/**
 * The observation for a tool that timed out. For a grounding-required tool it forbids
 * inventing data and says whether a retry fits in `remainingMs`; for any other tool it is a
 * plain statement of the timeout.
 */
export function toolTimeoutObservation(tool: string, remainingMs: number, opts: ObservationOptions = {}): ToolObservation {
  const groundingRequired = GROUNDING_REQUIRED_TOOLS.has(tool);
  if (!groundingRequired) {
    const retryAllowed = remainingMs >= (opts.retryCostMs ?? DEFAULT_TOOL_TIMEOUT_MS);
    return { kind: 'timeout', tool, groundingRequired, retryAllowed, text: `TOOL TIMEOUT: the ${tool} tool did not respond in time.` };
  }
  return { kind: 'timeout', tool, groundingRequired, ...mustNotInvent(tool, 'TOOL TIMEOUT', remainingMs, opts) };
}

/** How many items a tool answer holds: a `results`/`items`/`orders` list, a bare list, or one record. */
export function countResults(output: unknown): number {
  if (output === undefined || output === null || output === '') return 0;
  if (Array.isArray(output)) return output.length;
  if (typeof output !== 'object') return 1;
  const o = output as Record<string, unknown>;
  for (const field of ['results', 'items', 'orders', 'products']) {
    const list = o[field];
    if (Array.isArray(list)) return list.length;
  }
  return Object.keys(o).length === 0 ? 0 : 1;
}

/**
 * Classifies a tool call into the observation the agent gets: `results`, `no_results` (the
 * tool ran and found nothing: the agent may say so), `tool_failed` or `timeout` (the tool
 * did not run: the agent must not treat it as "nothing found").
 */
export function observeToolResult(outcome: ToolCallOutcome, opts: ObservationOptions = {}): ToolObservation {
  const { tool } = outcome;
  const groundingRequired = GROUNDING_REQUIRED_TOOLS.has(tool);
  if (outcome.status === 'timeout') return toolTimeoutObservation(tool, outcome.remainingMs ?? 0, opts);
  if (outcome.status === 'error') {
    const name = outcome.error?.name ?? 'Error';
    if (!groundingRequired) {
      return { kind: 'tool_failed', tool, groundingRequired, retryAllowed: false, text: `TOOL FAILED: the ${tool} tool failed (${name}).` };
    }
    const { text, retryAllowed } = mustNotInvent(tool, 'TOOL FAILED', outcome.remainingMs ?? 0, opts);
    return { kind: 'tool_failed', tool, groundingRequired, retryAllowed, text: `${text}\n(error: ${name})` };
  }
  const resultCount = countResults(outcome.output);
  if (resultCount === 0) {
    return {
      kind: 'no_results',
      tool,
      groundingRequired,
      retryAllowed: false,
      resultCount,
      text: `NO RESULTS: the ${tool} tool ran and found nothing matching. You may tell the user nothing matched; do not suggest titles it did not return.`,
    };
  }
  return { kind: 'results', tool, groundingRequired, retryAllowed: false, resultCount, text: JSON.stringify(outcome.output) };
}
