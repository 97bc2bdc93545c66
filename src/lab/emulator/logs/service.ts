import { EmulatorError, type EmulatedService } from '../types.js';
import { getLogEvents, putLogEvents } from './events.js';
import { filterLogEvents } from './filter-events.js';
import { DEFAULT_QUERY_TIMING, QueryRegistry, type QueryTiming } from './queries.js';
import {
  createLogGroup,
  createLogStream,
  deleteLogGroup,
  deleteLogStream,
  deleteRetentionPolicy,
  describeLogGroups,
  describeLogStreams,
  putRetentionPolicy,
  type LogsContext,
} from './resources.js';
import { LogStore } from './store.js';

/**
 * The emulator's CloudWatch Logs (`logs`, JSON 1.1 protocol): log groups and streams,
 * PutLogEvents / GetLogEvents / FilterLogEvents with filter patterns, and Logs Insights
 * queries. Inputs and outputs are the API's camelCase request and response objects.
 */

export interface LogsServiceOptions {
  /** Epoch ms for creation and ingestion times and PutLogEvents' too-old/too-new checks. */
  clock?: () => number;
  /** Drives query status (Scheduled -> Running -> Complete); defaults to the wall clock. */
  queryClock?: () => number;
  /** How long queries stay Scheduled and Running; defaults keep the total at 40 ms. */
  queryTiming?: Partial<QueryTiming>;
  region?: string;
  accountId?: string;
}

/** An event to seed directly, bypassing PutLogEvents' batch rules. */
export interface SeedLogEvent {
  timestamp: number;
  message: string;
}

export interface LogsService extends EmulatedService {
  readonly name: 'logs';
  /**
   * Stores events as they are (any order, any age, any batch size), creating the group and
   * stream if needed: for seeding a lab and for tests. Returns how many were stored.
   */
  putEvents(logGroupName: string, logStreamName: string, events: readonly SeedLogEvent[]): number;
  /** Creates the log group if it does not exist. */
  ensureLogGroup(logGroupName: string): void;
  /** Events held across all groups. */
  eventCount(): number;
  /** Drops every group, stream, event and query. */
  reset(): void;
}

type Handler = (input: Record<string, unknown>) => Record<string, unknown>;

export function createLogsService(opts: LogsServiceOptions = {}): LogsService {
  const clock = opts.clock ?? Date.now;
  const store = new LogStore({ region: opts.region ?? 'us-east-1', accountId: opts.accountId ?? '000000000000' });
  const ctx: LogsContext = { store, now: clock };
  const queries = new QueryRegistry(ctx, opts.queryClock ?? Date.now, { ...DEFAULT_QUERY_TIMING, ...opts.queryTiming });

  const operations: Record<string, Handler> = {
    CreateLogGroup: (input) => createLogGroup(ctx, input),
    DeleteLogGroup: (input) => deleteLogGroup(ctx, input),
    DescribeLogGroups: (input) => describeLogGroups(ctx, input),
    PutRetentionPolicy: (input) => putRetentionPolicy(ctx, input),
    DeleteRetentionPolicy: (input) => deleteRetentionPolicy(ctx, input),
    CreateLogStream: (input) => createLogStream(ctx, input),
    DeleteLogStream: (input) => deleteLogStream(ctx, input),
    DescribeLogStreams: (input) => describeLogStreams(ctx, input),
    PutLogEvents: (input) => putLogEvents(ctx, input),
    GetLogEvents: (input) => getLogEvents(ctx, input),
    FilterLogEvents: (input) => filterLogEvents(ctx, input),
    StartQuery: (input) => queries.start(input),
    GetQueryResults: (input) => queries.results(input),
    StopQuery: (input) => queries.stop(input),
    DescribeQueries: (input) => queries.describe(input),
    GetLogRecord: (input) => queries.logRecord(input),
  };

  const ensureGroup = (name: string) => store.findGroup(name) ?? store.createGroup(name, clock());

  return {
    name: 'logs',
    handle(operation, input) {
      const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (handler === undefined) throw new EmulatorError('UnknownOperationException', `The emulator's CloudWatch Logs does not implement ${operation}`);
      return handler(input ?? {});
    },
    putEvents(logGroupName, logStreamName, events) {
      const group = ensureGroup(logGroupName);
      const stream = group.streams.get(logStreamName) ?? store.createStream(group, logStreamName, clock());
      const now = clock();
      for (const e of events) store.append(stream, e.timestamp, e.message, now);
      return events.length;
    },
    ensureLogGroup(logGroupName) {
      ensureGroup(logGroupName);
    },
    eventCount: () => store.eventCount,
    reset() {
      store.clear();
      queries.clear();
    },
  };
}
