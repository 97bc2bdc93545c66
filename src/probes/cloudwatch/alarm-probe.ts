import type { ProbeId } from '../../runbooks/index.js';
import { isSourceError } from '../../sources/errors.js';
import { answered, type ProbeContext, type ProbeDefinition, type TimelineEntry } from '../types.js';
import { ALARM_METRICS, alarmStates, metricWindowOf, type AlarmKey } from './questions.js';

/** What one alarm says about the window. */
export interface AlarmReading {
  key: AlarmKey;
  name: string;
  /** `MISSING`: no alarm has the configured name (a config or deployment problem). */
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' | 'MISSING';
  /** When the state last changed, epoch ms. */
  since?: number;
  threshold?: number;
  /** The metric's highest one-minute value in the window, and when. */
  peak?: { value: number; at: number };
  /**
   * True when the alarm is in ALARM or its metric went beyond the threshold at some minute
   * of the window: an incident that has since calmed down is still one to explain.
   */
  firing: boolean;
  /** The metric series could not be read (the state alone then decides). */
  metricError?: string;
}

/** Reads an alarm and its metric. Rejects with the SourceError of DescribeAlarms. */
export async function readAlarm(ctx: ProbeContext, key: AlarmKey): Promise<AlarmReading> {
  const name = ctx.config.names.alarms[key];
  const [alarms, series] = await Promise.all([
    ctx.ask(alarmStates),
    ctx.ask(metricWindowOf(key)).then(
      (w) => ({ ok: true as const, w }),
      (err: unknown) => {
        if (!isSourceError(err)) throw err;
        return { ok: false as const, error: err.message };
      },
    ),
  ]);
  const alarm = alarms[key];
  const reading: AlarmReading = { key, name, state: alarm?.state ?? 'MISSING', firing: alarm?.state === 'ALARM' };
  if (alarm?.updated) reading.since = alarm.updated.getTime();
  if (alarm?.threshold !== undefined) reading.threshold = alarm.threshold;
  if (series.ok) {
    series.w.values.forEach((value, i) => {
      if (!reading.peak || value > reading.peak.value) reading.peak = { value, at: series.w.timestamps[i]?.getTime() ?? 0 };
    });
    // Every alarm of the contract is "greater than threshold".
    if (reading.peak && reading.threshold !== undefined && reading.peak.value > reading.threshold) reading.firing = true;
  } else {
    reading.metricError = series.error;
  }
  return reading;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** One line: `manga_session_errors is ALARM since 03:31Z; SessionErrors Sum peaked at 78/min at 03:33Z (threshold 50)`. */
export function describeAlarm(r: AlarmReading): string {
  const { metric, stat, unit } = ALARM_METRICS[r.key];
  const state = r.state === 'MISSING' ? `not found (no alarm named ${r.name})` : `${r.state}${r.since ? ` since ${hhmm(r.since)}Z` : ''}`;
  const peak = r.peak ? `; ${metric} ${stat} peaked at ${round(r.peak.value)}${unit} at ${hhmm(r.peak.at)}Z` : r.metricError ? `; ${metric} unreadable` : `; no ${metric} data in the window`;
  const threshold = r.threshold !== undefined ? ` (threshold ${round(r.threshold)})` : '';
  return `${r.name} is ${state}${peak}${threshold}`;
}

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** A probe answering an alarm's state: evidence at a flowchart's entry, the triage's signal. */
export function alarmProbe(id: ProbeId, key: AlarmKey): ProbeDefinition {
  return {
    id,
    sources: ['cloudwatch'],
    namesAffected: false,
    async answer(ctx) {
      const r = await readAlarm(ctx, key);
      const timeline: TimelineEntry[] = [];
      if (r.since && r.since >= ctx.window.start && r.state !== 'MISSING') timeline.push({ at: r.since, source: 'cloudwatch', what: `alarm ${r.name} went ${r.state}` });
      if (r.peak && r.firing) timeline.push({ at: r.peak.at, source: 'cloudwatch', what: `${ALARM_METRICS[key].metric} peaked at ${round(r.peak.value)}` });
      return answered(r.state === 'MISSING' ? 'INSUFFICIENT_DATA' : r.state, [
        { source: 'cloudwatch', summary: describeAlarm(r), data: r, query: ctx.describe(alarmStates) },
      ], { timeline });
    },
  };
}
