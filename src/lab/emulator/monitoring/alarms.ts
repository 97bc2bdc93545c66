import { readBoolean, readInteger, readList, readNumber, readString, readStringList } from '../protocols/input.js';
import { decodePageToken, pageOf } from '../protocols/paging.js';
import { EmulatorError } from '../types.js';
import {
  ALARM_STATES,
  COMPARISON_OPERATORS,
  TREAT_MISSING,
  evaluateAlarm,
  type AlarmRule,
  type AlarmState,
  type ComparisonOperator,
  type TreatMissingData,
} from './alarm-evaluation.js';
import { INVALID_NEXT_TOKEN, alarmNotFound, invalidCombination, invalidValue, missingParameter } from './errors.js';
import type { MetricStore } from './metric-store.js';
import { dimensionsOut, fingerprint, readDimensions, readPeriod, requireString } from './read.js';
import { BASIC_STATISTICS, isPercentile } from './statistics.js';

/**
 * Metric alarms: PutMetricAlarm, DescribeAlarms, SetAlarmState, DeleteAlarms. An alarm's
 * state is evaluated from the stored datapoints whenever it is described (see
 * alarm-evaluation.ts), so tests and the lab see the state CloudWatch would have reached.
 * SetAlarmState overrides it until new data arrives for the alarm's metric, which is when
 * CloudWatch's next evaluation would replace the override.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

interface AlarmRecord {
  /** The configuration as given, echoed by DescribeAlarms. */
  config: Record<string, unknown>;
  rule: AlarmRule;
  configUpdatedAt: Date;
  state: AlarmState;
  reason: string;
  reasonData: string;
  stateUpdatedAt: Date;
  override?: { state: AlarmState; reason: string; reasonData: string | undefined; metricRevision: number };
}

function readRule(input: Record<string, unknown>): { rule: AlarmRule; config: Record<string, unknown> } {
  if (readList(input, 'Metrics').length > 0) throw invalidValue('Metric math alarms (Metrics) are not supported by the lab emulator.');
  const statistic = readString(input, 'Statistic');
  const extended = readString(input, 'ExtendedStatistic');
  if (statistic === undefined && extended === undefined) throw missingParameter('Statistic');
  if (statistic !== undefined && extended !== undefined) throw invalidCombination('The parameters Statistic and ExtendedStatistic are mutually exclusive.');
  if (statistic !== undefined && !(BASIC_STATISTICS as readonly string[]).includes(statistic)) throw invalidValue(`The value ${statistic} for parameter Statistic is invalid.`);
  if (extended !== undefined && !isPercentile(extended)) throw invalidValue(`The value ${extended} for parameter ExtendedStatistic is invalid.`);
  const evaluationPeriods = readInteger(input, 'EvaluationPeriods');
  if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
  if (evaluationPeriods < 1) throw invalidValue('The parameter EvaluationPeriods must be at least 1.');
  const datapointsToAlarm = readInteger(input, 'DatapointsToAlarm') ?? evaluationPeriods;
  if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    throw invalidValue('The parameter DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  }
  const threshold = readNumber(input, 'Threshold');
  if (threshold === undefined) throw missingParameter('Threshold');
  const comparison = requireString(input, 'ComparisonOperator');
  if (!(comparison in COMPARISON_OPERATORS)) throw invalidValue(`The value ${comparison} for parameter ComparisonOperator is invalid (anomaly detection is not supported by the lab emulator).`);
  const treat = readString(input, 'TreatMissingData') ?? 'missing';
  if (!(TREAT_MISSING as readonly string[]).includes(treat)) throw invalidValue(`The value ${treat} for parameter TreatMissingData is invalid.`);
  const rule: AlarmRule = {
    namespace: requireString(input, 'Namespace'),
    metricName: requireString(input, 'MetricName'),
    dimensions: readDimensions(input, 'PutMetricAlarm'),
    statistic: statistic ?? (extended as string),
    periodSeconds: readPeriod(input, ''),
    unit: readString(input, 'Unit'),
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparison: comparison as ComparisonOperator,
    treatMissingData: treat as TreatMissingData,
  };
  if (rule.periodSeconds * evaluationPeriods > 7 * 24 * 3600) throw invalidValue('Period * EvaluationPeriods must not exceed one week.');
  const config = {
    AlarmDescription: readString(input, 'AlarmDescription'),
    ActionsEnabled: readBoolean(input, 'ActionsEnabled') ?? true,
    OKActions: readStringList(input, 'OKActions'),
    AlarmActions: readStringList(input, 'AlarmActions'),
    InsufficientDataActions: readStringList(input, 'InsufficientDataActions'),
    MetricName: rule.metricName,
    Namespace: rule.namespace,
    Statistic: statistic,
    ExtendedStatistic: extended,
    Dimensions: dimensionsOut(rule.dimensions),
    Period: rule.periodSeconds,
    Unit: rule.unit,
    EvaluationPeriods: evaluationPeriods,
    DatapointsToAlarm: readInteger(input, 'DatapointsToAlarm'),
    Threshold: threshold,
    ComparisonOperator: comparison,
    TreatMissingData: readString(input, 'TreatMissingData'),
    EvaluateLowSampleCountPercentile: readString(input, 'EvaluateLowSampleCountPercentile'),
  };
  return { rule, config };
}

export class AlarmStore {
  private readonly alarms = new Map<string, AlarmRecord>();

  constructor(
    private readonly metrics: MetricStore,
    private readonly clock: () => number,
  ) {}

  /** PutMetricAlarm: creates or replaces the configuration; the state carries over. */
  put(input: Record<string, unknown>): Record<string, unknown> {
    const name = requireString(input, 'AlarmName');
    const { rule, config } = readRule(input);
    const now = new Date(this.clock());
    const existing = this.alarms.get(name);
    this.alarms.set(name, {
      config,
      rule,
      configUpdatedAt: now,
      state: existing?.state ?? 'INSUFFICIENT_DATA',
      reason: existing?.reason ?? 'Unchecked: Initial alarm creation',
      reasonData: existing?.reasonData ?? '',
      stateUpdatedAt: existing?.stateUpdatedAt ?? now,
      ...(existing?.override ? { override: existing.override } : {}),
    });
    return {};
  }

  /** DeleteAlarms: all or nothing, as CloudWatch refuses the batch if a name is unknown. */
  delete(input: Record<string, unknown>): Record<string, unknown> {
    const names = readStringList(input, 'AlarmNames');
    if (names.length === 0) throw missingParameter('AlarmNames');
    const unknown = names.filter((n) => !this.alarms.has(n));
    if (unknown.length > 0) throw alarmNotFound(`${unknown.length === 1 ? 'Alarm' : 'Alarms'} ${unknown.join(', ')} not found`);
    for (const n of names) this.alarms.delete(n);
    return {};
  }

  /** SetAlarmState: a temporary override (see the file comment). */
  setState(input: Record<string, unknown>): Record<string, unknown> {
    const name = requireString(input, 'AlarmName');
    const state = requireString(input, 'StateValue');
    const reason = requireString(input, 'StateReason');
    const reasonData = readString(input, 'StateReasonData');
    if (!(ALARM_STATES as readonly string[]).includes(state)) throw invalidValue(`The value ${state} for parameter StateValue is invalid.`);
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new EmulatorError('InvalidFormatFault', 'The parameter StateReasonData must be valid JSON.');
      }
    }
    const alarm = this.alarms.get(name);
    if (!alarm) throw alarmNotFound(`Alarm ${name} not found`);
    alarm.override = { state: state as AlarmState, reason, reasonData, metricRevision: this.metrics.revision(this.identity(alarm)) };
    this.record(alarm, state as AlarmState, reason, reasonData ?? '');
    return {};
  }

  /** DescribeAlarms (metric alarms; there are no composite alarms here). */
  describe(input: Record<string, unknown>): Record<string, unknown> {
    const names = readStringList(input, 'AlarmNames');
    const prefix = readString(input, 'AlarmNamePrefix');
    if (names.length > 0 && prefix !== undefined) throw invalidCombination('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.');
    if (names.length > 100) throw invalidValue('The collection AlarmNames must not have a size greater than 100.');
    const stateValue = readString(input, 'StateValue');
    if (stateValue !== undefined && !(ALARM_STATES as readonly string[]).includes(stateValue)) throw invalidValue(`The value ${stateValue} for parameter StateValue is invalid.`);
    const actionPrefix = readString(input, 'ActionPrefix');
    const maxRecords = readInteger(input, 'MaxRecords') ?? 50;
    if (maxRecords < 1 || maxRecords > 100) throw invalidValue('The parameter MaxRecords must be between 1 and 100.');
    const types = readStringList(input, 'AlarmTypes');
    const wantMetric = types.length === 0 || types.includes('MetricAlarm');

    const selected = [...this.alarms.keys()]
      .sort()
      .filter((n) => (names.length === 0 || names.includes(n)) && (prefix === undefined || n.startsWith(prefix)))
      .map((n) => [n, this.evaluate(this.alarms.get(n) as AlarmRecord)] as const)
      .filter(([, a]) => stateValue === undefined || a.state === stateValue)
      .filter(([, a]) => actionPrefix === undefined || [...(a.config.AlarmActions as string[]), ...(a.config.OKActions as string[]), ...(a.config.InsufficientDataActions as string[])].some((x) => x.startsWith(actionPrefix)));
    const alarms = wantMetric ? selected : [];
    const { NextToken: _token, MaxRecords: _max, ...request } = input;
    const print = fingerprint(request);
    const { page, next } = pageOf(alarms, decodePageToken(readString(input, 'NextToken'), print, INVALID_NEXT_TOKEN), maxRecords, print);
    return { MetricAlarms: page.map(([n, a]) => this.output(n, a)), CompositeAlarms: [], ...(next ? { NextToken: next } : {}) };
  }

  clear(): void {
    this.alarms.clear();
  }

  private identity(alarm: AlarmRecord) {
    return { namespace: alarm.rule.namespace, metricName: alarm.rule.metricName, dimensions: alarm.rule.dimensions };
  }

  private evaluate(alarm: AlarmRecord): AlarmRecord {
    const override = alarm.override;
    if (override && this.metrics.revision(this.identity(alarm)) === override.metricRevision) return alarm;
    delete alarm.override;
    const result = evaluateAlarm(alarm.rule, this.metrics, this.clock(), alarm.state);
    if (result.state !== alarm.state) this.record(alarm, result.state, result.reason, result.reasonData);
    return alarm;
  }

  /** A state transition: the reason and timestamp change only when the state does. */
  private record(alarm: AlarmRecord, state: AlarmState, reason: string, reasonData: string): void {
    if (alarm.state !== state) alarm.stateUpdatedAt = new Date(this.clock());
    alarm.state = state;
    alarm.reason = reason;
    alarm.reasonData = reasonData;
  }

  private output(name: string, alarm: AlarmRecord): Record<string, unknown> {
    return {
      AlarmName: name,
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
      ...alarm.config,
      AlarmConfigurationUpdatedTimestamp: alarm.configUpdatedAt,
      StateValue: alarm.state,
      StateReason: alarm.reason,
      ...(alarm.reasonData ? { StateReasonData: alarm.reasonData } : {}),
      StateUpdatedTimestamp: alarm.stateUpdatedAt,
      StateTransitionedTimestamp: alarm.stateUpdatedAt,
    };
  }
}
