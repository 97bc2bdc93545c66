import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Config } from '../config/schema.js';
import { LazyClient, awsClientOptions, profileContext, type AwsSourceOptions } from './aws-config.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/** The state of one alarm, as the first box of every detection flowchart reads it. */
export interface AlarmStatus {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  /** When the state last changed. */
  updated: Date | undefined;
  namespace?: string;
  metric?: string;
  threshold?: number;
}

/** CloudWatch statistics; percentiles are written `p99`, `p95.5`... */
export type MetricStat = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | `p${number}`;

export interface MetricWindowQuery {
  namespace: string;
  metric: string;
  stat: MetricStat;
  /** Seconds per datapoint (60 or a multiple of it for data older than 3 hours). */
  periodSec: number;
  start: Date;
  end: Date;
  dimensions?: Record<string, string>;
}

/** Datapoints oldest first; `timestamps[i]` belongs to `values[i]`. */
export interface MetricWindow {
  timestamps: Date[];
  values: number[];
  /** `PartialData` when CloudWatch could not return everything in the window. */
  status: string;
}

/** DescribeAlarms takes at most 100 names a request. */
const ALARM_NAMES_MAX = 100;

/** CloudWatch alarms and metrics. Never writes. */
export class CloudWatchSource {
  private readonly lazy: LazyClient<CloudWatchClient>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(async () => {
      const { CloudWatchClient } = await loadSdk('@aws-sdk/client-cloudwatch');
      return new CloudWatchClient(await awsClientOptions(config, 'cloudwatch', this.timeoutMs));
    });
  }

  /** Alarms by name, metric and composite alike. A name that does not exist is simply absent. */
  async describeAlarms(names: readonly string[]): Promise<AlarmStatus[]> {
    if (names.length === 0) return [];
    const cw = await this.lazy.get();
    const { DescribeAlarmsCommand } = await loadSdk('@aws-sdk/client-cloudwatch');
    const found: AlarmStatus[] = [];
    for (let i = 0; i < names.length; i += ALARM_NAMES_MAX) {
      const chunk = names.slice(i, i + ALARM_NAMES_MAX);
      await callAws(
        'cloudwatch',
        this.timeoutMs,
        async (abortSignal) => {
          let token: string | undefined;
          do {
            const out = await cw.send(
              new DescribeAlarmsCommand({ AlarmNames: chunk, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: token }),
              { abortSignal },
            );
            for (const a of out.MetricAlarms ?? []) {
              found.push({
                name: a.AlarmName ?? '',
                state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStatus['state'],
                reason: a.StateReason ?? '',
                updated: a.StateUpdatedTimestamp,
                ...(a.Namespace ? { namespace: a.Namespace } : {}),
                ...(a.MetricName ? { metric: a.MetricName } : {}),
                ...(a.Threshold !== undefined ? { threshold: a.Threshold } : {}),
              });
            }
            for (const a of out.CompositeAlarms ?? []) {
              found.push({
                name: a.AlarmName ?? '',
                state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStatus['state'],
                reason: a.StateReason ?? '',
                updated: a.StateUpdatedTimestamp,
              });
            }
            token = out.NextToken;
          } while (token);
        },
        profileContext(this.config, 'DescribeAlarms'),
      );
    }
    return found;
  }

  /** One statistic of one metric over a window (GetMetricData, all pages), oldest first. */
  async metricWindow(q: MetricWindowQuery): Promise<MetricWindow> {
    const cw = await this.lazy.get();
    const { GetMetricDataCommand } = await loadSdk('@aws-sdk/client-cloudwatch');
    const points: [number, number][] = [];
    let status = 'Complete';
    const dimensions = Object.entries(q.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value }));
    await callAws(
      'cloudwatch',
      this.timeoutMs,
      async (abortSignal) => {
        let token: string | undefined;
        do {
          const out = await cw.send(
            new GetMetricDataCommand({
              MetricDataQueries: [
                {
                  Id: 'm0',
                  MetricStat: { Metric: { Namespace: q.namespace, MetricName: q.metric, Dimensions: dimensions }, Period: q.periodSec, Stat: q.stat },
                  ReturnData: true,
                },
              ],
              StartTime: q.start,
              EndTime: q.end,
              ScanBy: 'TimestampAscending',
              NextToken: token,
            }),
            { abortSignal },
          );
          for (const r of out.MetricDataResults ?? []) {
            const ts = r.Timestamps ?? [];
            const vs = r.Values ?? [];
            for (let i = 0; i < Math.min(ts.length, vs.length); i++) points.push([ts[i]!.getTime(), vs[i]!]);
            // Every page but the last says PartialData (more to come): the last page's word counts.
            status = r.StatusCode ?? 'Complete';
          }
          token = out.NextToken;
        } while (token);
      },
      profileContext(this.config, `GetMetricData ${q.namespace}/${q.metric}`),
    );
    // Pages are ordered by the request, but sorting makes the contract independent of it.
    points.sort((a, b) => a[0] - b[0]);
    return { timestamps: points.map(([t]) => new Date(t)), values: points.map(([, v]) => v), status };
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }
}
