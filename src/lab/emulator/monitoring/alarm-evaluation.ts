import type { Dimension, MetricStore } from './metric-store.js';
import { computeStatistic } from './statistics.js';

/**
 * How a metric alarm's state follows from its datapoints, evaluated on demand.
 *
 * The evaluation range is the last `EvaluationPeriods` periods ending at the clock's now:
 * period k covers (now - (k+1)·Period, now - k·Period]. Each period yields the alarm's
 * statistic, or nothing. With M = DatapointsToAlarm (default EvaluationPeriods), the alarm
 * is ALARM when at least M periods breach; missing periods are treated per
 * TreatMissingData:
 *   missing (default) - ignored; all periods missing gives INSUFFICIENT_DATA
 *   breaching         - counted as breaching
 *   notBreaching      - counted as not breaching (all missing gives OK)
 *   ignore            - ignored; all periods missing keeps the current state
 */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export const COMPARISON_OPERATORS = {
  GreaterThanOrEqualToThreshold: { test: (v: number, t: number) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v: number, t: number) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v: number, t: number) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v: number, t: number) => v <= t, words: 'less than or equal to' },
} as const;
export type ComparisonOperator = keyof typeof COMPARISON_OPERATORS;

export const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
export type TreatMissingData = (typeof TREAT_MISSING)[number];

/** The parts of an alarm's configuration its evaluation depends on. */
export interface AlarmRule {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  /** A basic statistic or a percentile (ExtendedStatistic). */
  statistic: string;
  periodSeconds: number;
  unit: string | undefined;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

export interface Evaluation {
  state: AlarmState;
  reason: string;
  /** JSON, as CloudWatch's StateReasonData. */
  reasonData: string;
}

/** CloudWatch's reason timestamps: dd/MM/yy HH:mm:ss in UTC. */
function reasonTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** Evaluates `rule` at `now` (epoch ms); `current` is the state `ignore` keeps. */
export function evaluateAlarm(rule: AlarmRule, metrics: MetricStore, now: number, current: AlarmState): Evaluation {
  const periodMs = rule.periodSeconds * 1000;
  const windows = metrics.aggregate(
    { namespace: rule.namespace, metricName: rule.metricName, dimensions: rule.dimensions },
    (t) => {
      if (t > now) return undefined;
      const k = Math.floor((now - t) / periodMs);
      return k < rule.evaluationPeriods ? k : undefined;
    },
    rule.unit,
  );
  // Newest first, as CloudWatch lists them in reasons.
  const points: { start: number; value: number }[] = [];
  for (let k = 0; k < rule.evaluationPeriods; k++) {
    const agg = windows.get(k);
    const value = agg ? computeStatistic(agg, rule.statistic) : undefined;
    if (value !== undefined) points.push({ start: now - (k + 1) * periodMs, value });
  }
  const op = COMPARISON_OPERATORS[rule.comparison];
  const breaching = points.filter((p) => op.test(p.value, rule.threshold)).length;
  const missing = rule.evaluationPeriods - points.length;
  const m = rule.datapointsToAlarm;
  const n = rule.evaluationPeriods;

  let state: AlarmState;
  if (rule.treatMissingData === 'breaching') state = breaching + missing >= m ? 'ALARM' : 'OK';
  else if (rule.treatMissingData === 'notBreaching') state = breaching >= m ? 'ALARM' : 'OK';
  else if (points.length === 0) state = rule.treatMissingData === 'ignore' ? current : 'INSUFFICIENT_DATA';
  else state = breaching >= m ? 'ALARM' : 'OK';

  const listed = points.map((p) => `${formatNumber(p.value)} (${reasonTime(p.start)})`).join(', ');
  const threshold = formatNumber(rule.threshold);
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  let reason: string;
  if (points.length === 0 && (state === 'INSUFFICIENT_DATA' || rule.treatMissingData === 'ignore')) {
    reason = `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`;
  } else if (points.length === 0) {
    const as = state === 'ALARM' ? 'Breaching' : 'NonBreaching';
    reason = `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${as}].`;
  } else if (state === 'ALARM') {
    reason = `Threshold Crossed: ${breaching} out of the last ${plural(n, 'datapoint')} [${listed}] ${breaching === 1 ? 'was' : 'were'} ${op.words} the threshold (${threshold}) (minimum ${plural(m, 'datapoint')} for OK -> ALARM transition).`;
  } else {
    const calm = points.length - breaching;
    reason = `Threshold Crossed: ${calm} out of the last ${plural(n, 'datapoint')} [${listed}] ${calm === 1 ? 'was' : 'were'} not ${op.words} the threshold (${threshold}) (minimum ${plural(n - m + 1, 'datapoint')} for ALARM -> OK transition).`;
  }
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: new Date(now).toISOString(),
    startDate: new Date(now - n * periodMs).toISOString(),
    statistic: rule.statistic,
    period: rule.periodSeconds,
    recentDatapoints: points.map((p) => p.value),
    threshold: rule.threshold,
    evaluatedDatapoints: points.map((p) => ({ timestamp: new Date(p.start).toISOString(), value: p.value })),
  });
  return { state, reason, reasonData };
}
