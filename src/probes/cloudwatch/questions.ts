import type { AlarmStatus, MetricStat, MetricWindow } from '../../sources/cloudwatch.js';
import type { Question, QuestionEnv } from '../types.js';

/** The alarms of the contract, by their key in the config's `names.alarms`. */
export type AlarmKey = 'sessionErrors' | 'routingCount' | 'p99Latency' | 'validationErrors';
export const ALARM_KEYS: readonly AlarmKey[] = ['sessionErrors', 'routingCount', 'p99Latency', 'validationErrors'];

/**
 * The metric each alarm watches and the statistic it is judged by (contract section 5; the
 * seed's thresholds). The statistic is ours to know: DescribeAlarms gives the threshold.
 */
export const ALARM_METRICS: Readonly<Record<AlarmKey, { metric: string; stat: MetricStat; unit: string }>> = {
  sessionErrors: { metric: 'SessionErrors', stat: 'Sum', unit: '/min' },
  routingCount: { metric: 'RoutingCount', stat: 'Maximum', unit: ' routes in one turn' },
  p99Latency: { metric: 'AgentSquadLatency', stat: 'p99', unit: ' ms' },
  validationErrors: { metric: 'SessionSaveValidationErrors', stat: 'Sum', unit: '/min' },
};

/** Every alarm's current state, by key; absent when no alarm has the configured name. */
export const alarmStates: Question<Partial<Record<AlarmKey, AlarmStatus>>> = {
  key: 'cloudwatch.alarms',
  source: 'cloudwatch',
  describe: (env) => `DescribeAlarms AlarmNames=${ALARM_KEYS.map((k) => env.config.names.alarms[k]).join(',')}`,
  async run(env) {
    const names = env.config.names.alarms;
    const found = await (await env.sources.cloudwatch()).describeAlarms(ALARM_KEYS.map((k) => names[k]));
    const byName = new Map(found.map((a) => [a.name, a]));
    const out: Partial<Record<AlarmKey, AlarmStatus>> = {};
    for (const key of ALARM_KEYS) {
      const alarm = byName.get(names[key]);
      if (alarm) out[key] = alarm;
    }
    return out;
  },
};

const metricQuestions = new Map<AlarmKey, Question<MetricWindow>>();

/** The one-minute series of an alarm's metric over the window (one GetMetricData each). */
export function metricWindowOf(key: AlarmKey): Question<MetricWindow> {
  let q = metricQuestions.get(key);
  if (!q) {
    const { metric, stat } = ALARM_METRICS[key];
    const range = (env: QuestionEnv) => ({
      // Whole minutes, so the first and last periods are complete ones.
      start: new Date(Math.floor(env.window.start / 60_000) * 60_000),
      end: new Date(Math.ceil(env.window.end / 60_000) * 60_000),
    });
    q = {
      key: `cloudwatch.metric.${metric}.${stat}`,
      source: 'cloudwatch',
      describe: (env) => `GetMetricData ${env.config.names.metricsNamespace}/${metric} ${stat} period 60s`,
      run: async (env) =>
        (await env.sources.cloudwatch()).metricWindow({ namespace: env.config.names.metricsNamespace, metric, stat, periodSec: 60, ...range(env) }),
    };
    metricQuestions.set(key, q);
  }
  return q;
}
