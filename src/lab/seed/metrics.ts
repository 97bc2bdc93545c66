/**
 * CloudWatch metrics and alarms of the lab (contract section 5, thresholds from the seed).
 * Datapoints are derived from the seeded log events, so the metrics and the logs tell the
 * same story: a minute's SessionErrors is that minute's `session_load_failed` events (plus
 * a little noise from outside the orchestrator), a turn's RoutingCount is its `route`
 * events, its AgentSquadLatency is response time minus request time.
 */
import { MINUTE_MS, minuteOf, type SeedContext } from './context.js';
import type { LogRecord } from './model.js';
import type { Rng } from './rng.js';

export const METRIC_NAMESPACE = 'MangaAssist';
export type MetricName = 'SessionErrors' | 'RoutingCount' | 'AgentSquadLatency' | 'SessionSaveValidationErrors';
export type AlarmName = 'manga_session_errors' | 'agent_routing_count' | 'agent_squad_p99_latency' | 'manga_sessions_validation_exception';

/** One PutMetricData datum: a single value, or a distribution as Values/Counts (at most 150 distinct values). */
export interface MetricDatum {
  metricName: MetricName;
  timestamp: number;
  unit: 'Count' | 'Milliseconds';
  value?: number;
  values?: number[];
  counts?: number[];
}

/** The alarm definition as PutMetricAlarm takes it (no dimensions: the metrics carry none). */
export interface AlarmDefinition {
  AlarmName: AlarmName;
  AlarmDescription: string;
  MetricName: MetricName;
  Namespace: typeof METRIC_NAMESPACE;
  Statistic?: 'Sum' | 'Maximum';
  ExtendedStatistic?: 'p99';
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: 'GreaterThanThreshold';
  TreatMissingData: 'notBreaching';
  Unit?: 'Count' | 'Milliseconds';
}

/**
 * The four alarms. One-minute periods with thresholds from the seed; "M out of the last 5
 * minutes" rather than "the last minute" so an alarm does not flap back to OK on one quiet
 * minute (and a lab demo run a minute after seeding still sees it). Missing data is not
 * breaching: no traffic is not an incident.
 */
export const ALARMS: readonly AlarmDefinition[] = [
  {
    AlarmName: 'manga_session_errors', AlarmDescription: 'Session load errors > 50/min (Runbook 1: memory corruption)',
    MetricName: 'SessionErrors', Namespace: METRIC_NAMESPACE, Statistic: 'Sum', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 2,
    Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', Unit: 'Count',
  },
  {
    AlarmName: 'agent_routing_count', AlarmDescription: 'More than 3 routing decisions for one turn (Runbook 2: routing loop)',
    MetricName: 'RoutingCount', Namespace: METRIC_NAMESPACE, Statistic: 'Maximum', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 1,
    Threshold: 3, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', Unit: 'Count',
  },
  {
    AlarmName: 'agent_squad_p99_latency', AlarmDescription: 'Agent Squad p99 latency > 5 s (Runbook 5: coordination deadlock)',
    MetricName: 'AgentSquadLatency', Namespace: METRIC_NAMESPACE, ExtendedStatistic: 'p99', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 2,
    Threshold: 5000, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', Unit: 'Milliseconds',
  },
  {
    AlarmName: 'manga_sessions_validation_exception', AlarmDescription: 'DynamoDB ValidationException on manga_sessions saves (Runbook 4: session size)',
    MetricName: 'SessionSaveValidationErrors', Namespace: METRIC_NAMESPACE, Statistic: 'Sum', Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 1,
    Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', Unit: 'Count',
  },
];

/** CloudWatch accepts at most 150 distinct values per datum. */
const MAX_DISTINCT_VALUES = 150;

function distributionData(metricName: MetricName, unit: MetricDatum['unit'], byMinute: Map<number, number[]>, now: number): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const [minute, samples] of [...byMinute.entries()].sort((a, b) => a[0] - b[0])) {
    const counts = new Map<number, number>();
    for (const v of samples) counts.set(v, (counts.get(v) ?? 0) + 1);
    const entries = [...counts.entries()].sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < entries.length; i += MAX_DISTINCT_VALUES) {
      const chunk = entries.slice(i, i + MAX_DISTINCT_VALUES);
      out.push({ metricName, unit, timestamp: Math.min(minute + 30_000, now), values: chunk.map((e) => e[0]), counts: chunk.map((e) => e[1]) });
    }
  }
  return out;
}

/** The minutes of the window, oldest first; the last one is the minute of `now`. */
export function windowMinutes(ctx: SeedContext): number[] {
  const out: number[] = [];
  for (let m = ctx.windowStart; m <= minuteOf(ctx.now); m += MINUTE_MS) out.push(m);
  return out;
}

/** All datapoints of the window, derived from `logs` (see the module comment). */
export function deriveMetrics(rng: Rng, ctx: SeedContext, logs: readonly LogRecord[]): MetricDatum[] {
  const minutes = windowMinutes(ctx);
  const loadErrors = new Map<number, number>(minutes.map((m) => [m, 0]));
  const saveErrors = new Map<number, number>(minutes.map((m) => [m, 0]));
  const turns = new Map<string, { request?: number; response?: number; routes: number; firstRoute?: number }>();
  for (const e of logs) {
    const f = e.fields;
    const minute = minuteOf(e.timestamp);
    if (f.event === 'session_load_failed') loadErrors.set(minute, (loadErrors.get(minute) ?? 0) + 1);
    if (f.event === 'session_save_failed' && f.error_type === 'ValidationException') saveErrors.set(minute, (saveErrors.get(minute) ?? 0) + 1);
    const key = `${f.session_id}\u0000${f.turn_id}`;
    let t = turns.get(key);
    if (!t) turns.set(key, (t = { routes: 0 }));
    if (f.event === 'request') t.request = e.timestamp;
    if (f.event === 'response') t.response = e.timestamp;
    if (f.event === 'route') {
      t.routes++;
      t.firstRoute = Math.min(t.firstRoute ?? e.timestamp, e.timestamp);
    }
  }
  const routing = new Map<number, number[]>();
  const latency = new Map<number, number[]>();
  for (const t of turns.values()) {
    if (t.firstRoute !== undefined) push(routing, minuteOf(t.firstRoute), t.routes);
    if (t.request !== undefined && t.response !== undefined) push(latency, minuteOf(t.response), t.response - t.request);
  }
  const out: MetricDatum[] = [];
  for (const m of minutes) {
    const ts = Math.min(m + 30_000, ctx.now);
    // A few session errors a minute come from elsewhere (client disconnects, retries).
    out.push({ metricName: 'SessionErrors', unit: 'Count', timestamp: ts, value: (loadErrors.get(m) ?? 0) + rng.int(0, 3) });
    out.push({ metricName: 'SessionSaveValidationErrors', unit: 'Count', timestamp: ts, value: saveErrors.get(m) ?? 0 });
  }
  out.push(...distributionData('RoutingCount', 'Count', routing, ctx.now));
  out.push(...distributionData('AgentSquadLatency', 'Milliseconds', latency, ctx.now));
  return out;
}

function push(map: Map<number, number[]>, key: number, v: number): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

/** Turns answered per minute (by response time): how many slow turns it takes to move a p99. */
export function answeredPerMinute(logs: readonly LogRecord[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of logs) if (e.fields.event === 'response') out.set(minuteOf(e.timestamp), (out.get(minuteOf(e.timestamp)) ?? 0) + 1);
  return out;
}
