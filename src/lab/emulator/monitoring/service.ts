import { EmulatorError, type EmulatedService } from '../types.js';
import { AlarmStore } from './alarms.js';
import { getMetricData } from './get-metric-data.js';
import { getMetricStatistics, listMetrics } from './list-and-statistics.js';
import { MetricStore } from './metric-store.js';
import { putMetricData } from './put-metric-data.js';

/** Epoch milliseconds now, as the emulator sees it (tests pass a controllable clock). */
export type Clock = () => number;

/**
 * The emulated CloudWatch (signing name `monitoring`): metric data and metric alarms.
 * Protocol-agnostic: it is reached over JSON 1.0, query/XML and RPC v2 CBOR alike.
 */
export class MonitoringService implements EmulatedService {
  readonly name = 'monitoring' as const;
  readonly metrics = new MetricStore();
  readonly alarms: AlarmStore;

  constructor(private readonly clock: Clock = Date.now) {
    this.alarms = new AlarmStore(this.metrics, clock);
  }

  handle(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'PutMetricData':
        return putMetricData(this.metrics, input, this.clock());
      case 'GetMetricData':
        return getMetricData(this.metrics, input);
      case 'GetMetricStatistics':
        return getMetricStatistics(this.metrics, input);
      case 'ListMetrics':
        return listMetrics(this.metrics, input, this.clock());
      case 'PutMetricAlarm':
        return this.alarms.put(input);
      case 'DescribeAlarms':
        return this.alarms.describe(input);
      case 'SetAlarmState':
        return this.alarms.setState(input);
      case 'DeleteAlarms':
        return this.alarms.delete(input);
      default:
        throw new EmulatorError('InvalidAction', `The action ${operation} is not valid for this web service (or not emulated by the lab).`);
    }
  }

  /** Forgets all metrics and alarms. */
  reset(): void {
    this.metrics.clear();
    this.alarms.clear();
  }
}
