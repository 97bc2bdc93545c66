import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Config } from '../config/schema.js';
import { LazyClient, awsClientOptions, profileContext, type AwsSourceOptions } from './aws-config.js';
import { SourceError } from './errors.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/** A Logs Insights query over a time window. */
export interface InsightsQuery {
  /** One or more log groups; default `names.logGroup`. */
  logGroup?: string | string[];
  startTime: Date;
  endTime: Date;
  /** Logs Insights query language, e.g. `fields @timestamp | filter event = "route"`. */
  query: string;
  /** Rows to return (Insights caps at 10000); default 1000. */
  limit?: number;
}

export interface InsightsOptions {
  /** Budget for the whole query: start, every poll, results. Default `config.timeoutMs`. */
  timeoutMs?: number;
  /** Pause between GetQueryResults polls. */
  pollMs?: number;
  /** Cancels the query early (e.g. Ctrl-C). */
  signal?: AbortSignal;
}

export interface InsightsResult {
  queryId: string;
  /** One object per result row, field name to value (`@timestamp`, `@message`, `session_id`...). */
  rows: Record<string, string>[];
  statistics: { recordsMatched: number; recordsScanned: number; bytesScanned: number };
}

export interface FilterEventsQuery {
  logGroup?: string;
  start: Date;
  end: Date;
  /** CloudWatch Logs filter pattern, e.g. `{ $.event = "session_load_failed" }`. */
  filterPattern?: string;
  logStreamNames?: string[];
  /** Stop after this many events (default 10000), so memory stays bounded. */
  maxEvents?: number;
  /** Events per request (the API's `limit`, at most 10000). */
  pageSize?: number;
}

export interface LogEvent {
  timestamp: number;
  message: string;
  logStream: string;
  eventId: string;
}

/** How long a best-effort StopQuery may take after our own timeout. */
const STOP_QUERY_MS = 500;
const FILTER_PAGE_MAX = 10_000;

/** CloudWatch Logs: Insights queries and filtered event reads. Never writes. */
export class LogsSource {
  private readonly lazy: LazyClient<CloudWatchLogsClient>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(async () => {
      const { CloudWatchLogsClient } = await loadSdk('@aws-sdk/client-cloudwatch-logs');
      return new CloudWatchLogsClient(await awsClientOptions(config, 'logs', this.timeoutMs));
    });
  }

  /**
   * Starts an Insights query and polls until it is Complete. A query that ends Failed,
   * Cancelled or Timeout on the service side is a SourceError. When our own budget runs
   * out the query is stopped (best effort, so it does not keep scanning and billing) and
   * a `timeout` SourceError is thrown.
   */
  async runInsightsQuery(q: InsightsQuery, opts: InsightsOptions = {}): Promise<InsightsResult> {
    const logs = await this.lazy.get();
    const { StartQueryCommand, GetQueryResultsCommand } = await loadSdk('@aws-sdk/client-cloudwatch-logs');
    const groups = [q.logGroup ?? this.config.names.logGroup].flat();
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const pollMs = opts.pollMs ?? 100;
    let queryId: string | undefined;
    try {
      return await callAws(
        'logs',
        timeoutMs,
        async (abortSignal) => {
          const started = await logs.send(
            new StartQueryCommand({
              logGroupNames: groups,
              // Insights takes epoch seconds; widen to whole seconds so no edge event is lost.
              startTime: Math.floor(q.startTime.getTime() / 1000),
              endTime: Math.ceil(q.endTime.getTime() / 1000),
              queryString: q.query,
              limit: q.limit ?? 1000,
            }),
            { abortSignal },
          );
          queryId = started.queryId;
          if (!queryId) throw new SourceError({ source: 'logs', kind: 'unknown', message: 'CloudWatch Logs StartQuery returned no query id', hint: 'retry the command' });
          for (;;) {
            const out = await logs.send(new GetQueryResultsCommand({ queryId }), { abortSignal });
            const status = out.status ?? 'Unknown';
            if (status === 'Complete') {
              return {
                queryId,
                rows: (out.results ?? []).map((row) => Object.fromEntries(row.filter((f) => f.field).map((f) => [f.field!, f.value ?? '']))),
                statistics: {
                  recordsMatched: out.statistics?.recordsMatched ?? 0,
                  recordsScanned: out.statistics?.recordsScanned ?? 0,
                  bytesScanned: out.statistics?.bytesScanned ?? 0,
                },
              };
            }
            if (status === 'Failed' || status === 'Cancelled' || status === 'Timeout') {
              throw new SourceError({
                source: 'logs',
                kind: status === 'Timeout' ? 'timeout' : 'unavailable',
                message: `CloudWatch Logs Insights query ${queryId} ended ${status}`,
                hint: status === 'Timeout' ? 'the query ran past the service limit: narrow --since' : 'retry; if it keeps failing, run the query in the console to see why',
              });
            }
            // Scheduled, Running (or Unknown, which the service may report briefly): wait,
            // but wake at once if the deadline aborts us.
            await sleep(pollMs, undefined, { signal: abortSignal });
          }
        },
        { ...profileContext(this.config, `Insights query on ${groups.join(', ')}`), ...(opts.signal ? { signal: opts.signal } : {}) },
      );
    } catch (err) {
      if (queryId && err instanceof SourceError && err.kind === 'timeout') await this.stopQuery(logs, queryId);
      throw err;
    }
  }

  /** StopQuery, bounded and silent: the caller is already reporting the real failure. */
  private async stopQuery(logs: CloudWatchLogsClient, queryId: string): Promise<void> {
    const { StopQueryCommand } = await loadSdk('@aws-sdk/client-cloudwatch-logs');
    await callAws('logs', STOP_QUERY_MS, (abortSignal) => logs.send(new StopQueryCommand({ queryId }), { abortSignal })).catch(() => undefined);
  }

  /** FilterLogEvents over a window, following pages until `maxEvents`; `truncated` says more existed. */
  async filterEvents(q: FilterEventsQuery, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ events: LogEvent[]; truncated: boolean }> {
    const logs = await this.lazy.get();
    const { FilterLogEventsCommand } = await loadSdk('@aws-sdk/client-cloudwatch-logs');
    const group = q.logGroup ?? this.config.names.logGroup;
    const max = q.maxEvents ?? 10_000;
    const events: LogEvent[] = [];
    let truncated = false;
    await callAws(
      'logs',
      opts.timeoutMs ?? this.timeoutMs,
      async (abortSignal) => {
        let token: string | undefined;
        do {
          const out = await logs.send(
            new FilterLogEventsCommand({
              logGroupName: group,
              startTime: q.start.getTime(),
              endTime: q.end.getTime(),
              ...(q.filterPattern ? { filterPattern: q.filterPattern } : {}),
              ...(q.logStreamNames?.length ? { logStreamNames: q.logStreamNames } : {}),
              limit: Math.min(q.pageSize ?? FILTER_PAGE_MAX, FILTER_PAGE_MAX, max - events.length),
              nextToken: token,
            }),
            { abortSignal },
          );
          for (const e of out.events ?? []) {
            if (events.length >= max) break;
            events.push({ timestamp: e.timestamp ?? 0, message: e.message ?? '', logStream: e.logStreamName ?? '', eventId: e.eventId ?? '' });
          }
          token = out.nextToken;
          // A page may come back empty with a token while the service searches on: keep going.
          if (token && events.length >= max) {
            truncated = true;
            return;
          }
        } while (token);
      },
      { ...profileContext(this.config, `FilterLogEvents ${group}`), ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    return { events, truncated };
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }
}
