/**
 * Puts the alarms (PutMetricAlarm) and the datapoints (PutMetricData) of the seed. Alarms
 * go first so their state is evaluated from the data as it arrives; the emulator evaluates
 * them from the datapoints, as CloudWatch does.
 */
import type { CloudWatchClient, MetricDatum as SdkDatum } from '@aws-sdk/client-cloudwatch';
import { METRIC_NAMESPACE, type AlarmDefinition, type MetricDatum } from '../metrics.js';

/** PutMetricData takes up to 1000 datums per call; smaller calls keep each request modest. */
const DATUMS_PER_CALL = 200;

function toSdk(d: MetricDatum): SdkDatum {
  return {
    MetricName: d.metricName,
    Timestamp: new Date(d.timestamp),
    Unit: d.unit,
    ...(d.value !== undefined ? { Value: d.value } : {}),
    ...(d.values !== undefined ? { Values: d.values, Counts: d.counts } : {}),
  };
}

export async function writeAlarms(client: CloudWatchClient, alarms: readonly AlarmDefinition[]): Promise<void> {
  const { PutMetricAlarmCommand } = await import('@aws-sdk/client-cloudwatch');
  for (const a of alarms) await client.send(new PutMetricAlarmCommand({ ...a }));
}

export async function writeMetricData(client: CloudWatchClient, data: readonly MetricDatum[]): Promise<void> {
  const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  for (let i = 0; i < data.length; i += DATUMS_PER_CALL) {
    await client.send(new PutMetricDataCommand({ Namespace: METRIC_NAMESPACE, MetricData: data.slice(i, i + DATUMS_PER_CALL).map(toSdk) }));
  }
}
