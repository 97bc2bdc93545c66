/**
 * The probe registry: one probe per file under `src/probes/<source>/`, every probe id of
 * src/runbooks/probe-ids.ts implemented exactly once (the type below fails to compile if one
 * is missing). The diagnosis engine looks probes up here by the ids the runbooks name; it
 * never imports a probe itself.
 */
import type { ProbeId } from '../runbooks/index.js';
import { unknownResponseTitles } from './catalog/unknown-response-titles.js';
import { agentSquadLatencyAlarm } from './cloudwatch/agent-squad-latency-alarm.js';
import { routingCountAlarm } from './cloudwatch/routing-count-alarm.js';
import { sessionErrorsAlarm } from './cloudwatch/session-errors-alarm.js';
import { sessionSaveValidationAlarm } from './cloudwatch/session-save-validation-alarm.js';
import { longSessions } from './dynamodb/long-sessions.js';
import { failoverEvents } from './elasticache/failover-events.js';
import { concurrentSessionRequests } from './logs/concurrent-session-requests.js';
import { routingConfidence } from './logs/routing-confidence.js';
import { routingPattern } from './logs/routing-pattern.js';
import { sessionLoadErrorTypes } from './logs/session-load-error-types.js';
import { sessionSaveFailedMessage } from './logs/session-save-failed-message.js';
import { toolTimeoutContinuation } from './logs/tool-timeout-continuation.js';
import { watchConflicts } from './logs/watch-conflicts.js';
import { corruptSessions } from './redis/corrupt-sessions.js';
import { routingLoops } from './redis/routing-loops.js';
import { sessionLocks } from './redis/session-locks.js';
import { alertSignals } from './triage/alert-signals.js';
import type { ProbeDefinition } from './types.js';

export const PROBE_REGISTRY: Readonly<Record<ProbeId, ProbeDefinition>> = {
  'cloudwatch.session_errors_alarm': sessionErrorsAlarm,
  'cloudwatch.routing_count_alarm': routingCountAlarm,
  'cloudwatch.agent_squad_latency_alarm': agentSquadLatencyAlarm,
  'cloudwatch.session_save_validation_alarm': sessionSaveValidationAlarm,
  'logs.session_load_error_types': sessionLoadErrorTypes,
  'logs.routing_pattern': routingPattern,
  'logs.routing_confidence': routingConfidence,
  'logs.tool_timeout_continuation': toolTimeoutContinuation,
  'logs.session_save_failed_message': sessionSaveFailedMessage,
  'logs.concurrent_session_requests': concurrentSessionRequests,
  'logs.watch_conflicts': watchConflicts,
  'catalog.unknown_response_titles': unknownResponseTitles,
  'elasticache.failover_events': failoverEvents,
  'redis.corrupt_sessions': corruptSessions,
  'redis.routing_loops': routingLoops,
  'redis.session_locks': sessionLocks,
  'dynamodb.long_sessions': longSessions,
  'triage.alert_signals': alertSignals,
};

/** The probe for an id the runbooks name. */
export function probeFor(id: ProbeId): ProbeDefinition {
  return PROBE_REGISTRY[id];
}

export { createSourcePorts, type SourcePorts } from './ports.js';
export {
  DEFAULT_PROBE_LIMITS,
  type AffectedSessions,
  type DiagnosisWindow,
  type ProbeContext,
  type ProbeDefinition,
  type ProbeLimits,
  type ProbeResult,
  type Question,
  type QuestionEnv,
  type TimelineEntry,
} from './types.js';
