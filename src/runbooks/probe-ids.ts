/**
 * Every probe a runbook may bind, with the outcomes it may answer.
 *
 * This list is the contract between the runbooks (data in `runbooks/*.json`) and the probe
 * registry (`src/probes/`): a runbook may only name a probe listed here, an outcome-bound edge
 * may only name an outcome listed here (the loader checks both), and the registry must
 * implement every id (its completeness test iterates {@link PROBE_IDS}). A probe answers
 * exactly one of its `outcomes`, or `unknown` when its source could not say.
 *
 * Probes marked `evidence` are asked for what they show (affected sessions, counts), not to
 * choose a branch; their outcome is recorded but never steers a walk.
 */
export const PROBES = [
  // CloudWatch alarm states: the entry signals of scenarios 1, 2, 4 and 5.
  {
    id: 'cloudwatch.session_errors_alarm',
    description: 'state of the SessionErrors alarm (manga_session_errors, > 50/min)',
    outcomes: ['ALARM', 'OK', 'INSUFFICIENT_DATA'],
    evidence: true,
  },
  {
    id: 'cloudwatch.routing_count_alarm',
    description: 'state of the RoutingCount alarm (agent_routing_count, > 3 routes in one session turn)',
    outcomes: ['ALARM', 'OK', 'INSUFFICIENT_DATA'],
    evidence: true,
  },
  {
    id: 'cloudwatch.agent_squad_latency_alarm',
    description: 'state of the AgentSquadLatency p99 alarm (agent_squad_p99_latency, > 5 s)',
    outcomes: ['ALARM', 'OK', 'INSUFFICIENT_DATA'],
    evidence: true,
  },
  {
    id: 'cloudwatch.session_save_validation_alarm',
    description: 'state of the SessionSaveValidationErrors alarm (manga_sessions_validation_exception)',
    outcomes: ['ALARM', 'OK', 'INSUFFICIENT_DATA'],
    evidence: true,
  },
  // CloudWatch Logs Insights over /manga-assist/orchestrator.
  {
    id: 'logs.session_load_error_types',
    description: 'dominant error_type of session_load_failed events in the window (none: no such events)',
    outcomes: ['JSONDecodeError', 'RedisConnectionError', 'KeyError', 'TypeError', 'none'],
    evidence: false,
  },
  {
    id: 'logs.routing_pattern',
    description: 'route events per session+turn with > 3 routes, as core/routing classifyRoutes names the pattern',
    outcomes: ['oscillation', 'multi_agent', 'single_agent', 'mixed', 'none'],
    evidence: false,
  },
  {
    id: 'logs.routing_confidence',
    description: 'classifier confidences of the looping turns: all below 0.70, or fluctuating across it',
    outcomes: ['all_low_confidence', 'fluctuating'],
    evidence: false,
  },
  {
    id: 'logs.tool_timeout_continuation',
    description: 'tool_call timeouts, and whether a response followed in the same turn (the agent continued) or an error did',
    outcomes: ['continued', 'returned_error', 'no_timeout'],
    evidence: false,
  },
  {
    id: 'logs.session_save_failed_message',
    description: 'session_save_failed ValidationException messages: item size exceeded, or another validation error',
    outcomes: ['item_size', 'other', 'none'],
    evidence: false,
  },
  {
    id: 'logs.concurrent_session_requests',
    description: 'request events of one session_id received within 100 ms of each other',
    outcomes: ['concurrent', 'single'],
    evidence: false,
  },
  {
    id: 'logs.watch_conflicts',
    description: 'state_write_conflict events with error_type WatchError',
    outcomes: ['watch_errors', 'none'],
    evidence: false,
  },
  // The catalog: response titles checked against manga_products.
  {
    id: 'catalog.unknown_response_titles',
    description: 'titles named in response events that are not in the manga_products catalog',
    outcomes: ['missing', 'all_in_catalog', 'no_titles'],
    evidence: false,
  },
  // ElastiCache events of the replication group.
  {
    id: 'elasticache.failover_events',
    description: 'failover or maintenance events of the manga-sessions replication group in the window',
    outcomes: ['failover', 'maintenance', 'none'],
    evidence: false,
  },
  // Redis scans (SCAN by pattern, never KEYS): who is affected.
  {
    id: 'redis.corrupt_sessions',
    description: 'Redis scan: sessions whose turns or backup do not parse as JSON',
    outcomes: ['found', 'none'],
    evidence: true,
  },
  {
    id: 'redis.routing_loops',
    description: 'Redis scan: sessions whose routes list holds > 3 decisions for the current turn',
    outcomes: ['found', 'none'],
    evidence: true,
  },
  {
    id: 'redis.session_locks',
    description: 'Redis scan: session lock keys, their holders and remaining PX expiry',
    outcomes: ['found', 'none'],
    evidence: true,
  },
  // DynamoDB sessions table.
  {
    id: 'dynamodb.long_sessions',
    description: 'manga_sessions items by size, with turn_count > 100 or active (updated - created) > 1 h',
    outcomes: ['found', 'none'],
    evidence: false,
  },
  // The cross-scenario tree's question. Alarm signals use the alarm's key in the config's
  // names.alarms (not its name, which is configurable), so a renamed alarm still triages.
  {
    id: 'triage.alert_signals',
    description: 'the alert to triage: alarm:<names.alarms key>, error:<error_type> or report:<kind>, from the probes above',
    outcomes: [
      'error:JSONDecodeError',
      'alarm:sessionErrors',
      'alarm:routingCount',
      'report:wrong_data',
      'error:ValidationException',
      'alarm:validationErrors',
      'alarm:p99Latency',
      'error:WatchError',
      // Nothing signals: no alarm in ALARM and no error type in the window.
      'none',
    ],
    evidence: false,
  },
] as const satisfies readonly ProbeSpec[];

/** One probe's entry in {@link PROBES}. */
export interface ProbeSpec {
  /** `<source>.<what>`: the source is the system the probe asks. */
  readonly id: string;
  /** One line: what the probe looks at. */
  readonly description: string;
  /** Every outcome the probe may answer. */
  readonly outcomes: readonly string[];
  /** True when the answer is evidence only and never steers a walk. */
  readonly evidence: boolean;
}

/** A probe id known to the runbooks. */
export type ProbeId = (typeof PROBES)[number]['id'];

/** Every probe id, in the order above. */
export const PROBE_IDS: readonly ProbeId[] = PROBES.map((p) => p.id);

const byId = new Map<string, ProbeSpec>(PROBES.map((p) => [p.id, p]));

/** The spec of a probe, or undefined for an id not in {@link PROBES}. */
export function probeSpec(id: string): ProbeSpec | undefined {
  return byId.get(id);
}

/** Narrows a string to a known probe id. */
export function isProbeId(id: string): id is ProbeId {
  return byId.has(id);
}
