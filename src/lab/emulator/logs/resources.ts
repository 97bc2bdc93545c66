import type { LogGroupRecord, LogStore, LogStreamRecord } from './store.js';
import {
  groupIdentifier,
  invalid,
  LOG_GROUP_NAME,
  LOG_STREAM_NAME,
  optionalBool,
  optionalInt,
  optionalString,
  requiredInt,
  requiredString,
} from './params.js';
import { decodeToken, encodeToken, fingerprint, tokenNumber } from './tokens.js';

/**
 * Log group and log stream operations: Create/Delete/Describe, and retention policies.
 * Shapes follow the CloudWatch Logs API (camelCase members).
 */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** What every operation needs: the data and the service's clock (epoch ms). */
export interface LogsContext {
  readonly store: LogStore;
  now(): number;
}

/** Retention periods CloudWatch Logs accepts, in days. */
const RETENTION_DAYS = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

export function createLogGroup(ctx: LogsContext, input: Input): Output {
  const name = requiredString(input, 'logGroupName', LOG_GROUP_NAME);
  const logGroupClass = optionalString(input, 'logGroupClass');
  if (logGroupClass !== undefined && !['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'].includes(logGroupClass)) {
    throw invalid(`Invalid logGroupClass: ${logGroupClass}`);
  }
  ctx.store.createGroup(name, ctx.now());
  return {};
}

export function deleteLogGroup(ctx: LogsContext, input: Input): Output {
  ctx.store.deleteGroup(requiredString(input, 'logGroupName', LOG_GROUP_NAME));
  return {};
}

export function putRetentionPolicy(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(requiredString(input, 'logGroupName', LOG_GROUP_NAME));
  const days = requiredInt(input, 'retentionInDays');
  if (!RETENTION_DAYS.has(days)) {
    throw invalid(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...RETENTION_DAYS].join(', ')}]`);
  }
  group.retentionInDays = days;
  return {};
}

export function deleteRetentionPolicy(ctx: LogsContext, input: Input): Output {
  ctx.store.group(requiredString(input, 'logGroupName', LOG_GROUP_NAME)).retentionInDays = undefined;
  return {};
}

export function describeLogGroups(ctx: LogsContext, input: Input): Output {
  const prefix = optionalString(input, 'logGroupNamePrefix', LOG_GROUP_NAME);
  const pattern = optionalString(input, 'logGroupNamePattern', { min: 0, max: 512 });
  if (prefix !== undefined && pattern !== undefined) {
    throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  }
  const limit = optionalInt(input, 'limit', { min: 1, max: 50 }) ?? 50;
  const fp = fingerprint(['DescribeLogGroups', prefix, pattern]);
  const token = optionalString(input, 'nextToken');
  const after = token === undefined ? undefined : String(decodeToken(token, fp)['after']);
  const needle = pattern?.toLowerCase();
  const matching = ctx.store
    .listGroups()
    .filter((g) => (prefix === undefined || g.name.startsWith(prefix)) && (needle === undefined || g.name.toLowerCase().includes(needle)))
    .filter((g) => after === undefined || g.name > after);
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  return {
    logGroups: page.map(describeGroup),
    ...(matching.length > limit && last !== undefined ? { nextToken: encodeToken({ after: last.name }, fp) } : {}),
  };
}

function describeGroup(group: LogGroupRecord): Output {
  return {
    logGroupName: group.name,
    creationTime: group.creationTime,
    ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}),
    metricFilterCount: 0,
    arn: `${group.arn}:*`,
    logGroupArn: group.arn,
    storedBytes: group.storedBytes,
    logGroupClass: 'STANDARD',
  };
}

export function createLogStream(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(requiredString(input, 'logGroupName', LOG_GROUP_NAME));
  ctx.store.createStream(group, requiredString(input, 'logStreamName', LOG_STREAM_NAME), ctx.now());
  return {};
}

export function deleteLogStream(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(requiredString(input, 'logGroupName', LOG_GROUP_NAME));
  ctx.store.deleteStream(group, requiredString(input, 'logStreamName', LOG_STREAM_NAME));
  return {};
}

export function describeLogStreams(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(groupIdentifier(input));
  const prefix = optionalString(input, 'logStreamNamePrefix', LOG_STREAM_NAME);
  const orderBy = optionalString(input, 'orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') throw invalid(`Invalid orderBy: ${orderBy}`);
  if (orderBy === 'LastEventTime' && prefix !== undefined) {
    throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const descending = optionalBool(input, 'descending') ?? false;
  const limit = optionalInt(input, 'limit', { min: 1, max: 50 }) ?? 50;
  const fp = fingerprint(['DescribeLogStreams', group.name, prefix, orderBy, descending]);
  const token = optionalString(input, 'nextToken');
  const offset = token === undefined ? 0 : tokenNumber(decodeToken(token, fp), 'offset');

  const streams = [...group.streams.values()].filter((s) => prefix === undefined || s.name.startsWith(prefix));
  const byName = (a: LogStreamRecord, b: LogStreamRecord): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  streams.sort(orderBy === 'LogStreamName' ? byName : (a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || byName(a, b));
  if (descending) streams.reverse();
  const page = streams.slice(offset, offset + limit);
  return {
    logStreams: page.map(describeStream),
    ...(offset + limit < streams.length ? { nextToken: encodeToken({ offset: offset + limit }, fp) } : {}),
  };
}

function describeStream(stream: LogStreamRecord): Output {
  const first = stream.firstEventTimestamp;
  const last = stream.lastEventTimestamp;
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...(first !== undefined ? { firstEventTimestamp: first } : {}),
    ...(last !== undefined ? { lastEventTimestamp: last } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    uploadSequenceToken: String(stream.size + 1).padStart(56, '0'),
    arn: `${stream.group.arn}:log-stream:${stream.name}`,
    storedBytes: stream.storedBytes,
  };
}
