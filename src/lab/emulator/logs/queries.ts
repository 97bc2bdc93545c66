import { randomUUID } from 'node:crypto';
import { EmulatorError } from '../types.js';
import { MalformedQueryError } from './insights/ast.js';
import { runQuery, type QueryOutput } from './insights/evaluate.js';
import { parseQuery } from './insights/parser.js';
import { seqOfPointer, systemField } from './insights/rows.js';
import { renderValue } from './insights/values.js';
import type { EventSlice } from './merge.js';
import { invalid, optionalInt, optionalString, optionalStringList, requiredInt, requiredString } from './params.js';
import type { LogsContext } from './resources.js';
import { groupNameOf } from './store.js';
import { decodeToken, encodeToken, fingerprint, tokenNumber } from './tokens.js';

/**
 * Logs Insights queries: StartQuery, GetQueryResults, StopQuery, DescribeQueries and
 * GetLogRecord. A query is parsed and run when it starts (a snapshot of the data, so it
 * answers MalformedQueryException at once, as AWS does); its status then moves
 * Scheduled -> Running -> Complete with time on the query clock, and only a Complete query
 * shows its results. StopQuery before completion leaves it Cancelled.
 */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

export interface QueryTiming {
  /** How long a new query stays Scheduled. */
  scheduledMs: number;
  /** How long it then stays Running before it is Complete. */
  runningMs: number;
}

/** Short enough that a caller polling every 50-100 ms sees Complete on its first or second poll. */
export const DEFAULT_QUERY_TIMING: QueryTiming = { scheduledMs: 10, runningMs: 30 };

type QueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Cancelled';
const STATUSES = ['Scheduled', 'Running', 'Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown'];

/**
 * Queries kept for GetQueryResults/DescribeQueries; the oldest finished ones are dropped.
 * Each holds its results (up to 10,000 rows), so a long-running lab must not keep them all.
 */
const MAX_KEPT_QUERIES = 200;
/** Scheduled or Running queries allowed at once (AWS: 100 per account). */
const MAX_ACTIVE_QUERIES = 100;

interface QueryRecord {
  queryId: string;
  queryString: string;
  logGroupNames: string[];
  createTime: number;
  startedAt: number;
  cancelled: boolean;
  output: QueryOutput;
}

export class QueryRegistry {
  private readonly queries = new Map<string, QueryRecord>();

  constructor(
    private readonly ctx: LogsContext,
    private readonly queryClock: () => number,
    private readonly timing: QueryTiming,
  ) {}

  start(input: Input): Output {
    const language = optionalString(input, 'queryLanguage');
    if (language !== undefined && language !== 'CWLI') throw invalid(`The emulator runs Logs Insights QL (CWLI) queries only, not ${language}`);
    const groupNames = this.groupsOf(input);
    const startTime = requiredInt(input, 'startTime', { min: 0 });
    const endTime = requiredInt(input, 'endTime', { min: 0 });
    if (endTime < startTime) throw invalid('End time cannot be less than start time');
    const queryString = requiredString(input, 'queryString', { min: 0, max: 10_000 });
    const limit = optionalInt(input, 'limit', { min: 1, max: 10_000 });
    const groups = groupNames.map((name) => {
      const group = this.ctx.store.findGroup(groupNameOf(name));
      if (group === undefined) throw new EmulatorError('ResourceNotFoundException', `Log group '${name}' does not exist for account ID '${this.ctx.store.options.accountId}'`);
      return group;
    });
    if (this.activeCount() >= MAX_ACTIVE_QUERIES) throw new EmulatorError('LimitExceededException', 'Account maximum query concurrency limit of 100 reached.');

    let query;
    try {
      query = parseQuery(queryString);
    } catch (err) {
      if (err instanceof MalformedQueryError) throw new EmulatorError('MalformedQueryException', err.message);
      throw err;
    }
    // Times are epoch seconds, both ends inclusive: the end second runs to its last ms.
    const slices: EventSlice[] = groups.flatMap((group) =>
      [...group.streams.values()].map((stream) => {
        const [lo, hi] = stream.range(startTime * 1000, endTime * 1000 + 999);
        return { events: stream.ordered(), lo, hi };
      }),
    );
    const output = runQuery(query, slices, limit === undefined ? {} : { limit });
    const record: QueryRecord = {
      queryId: randomUUID(),
      queryString,
      logGroupNames: groups.map((g) => g.name),
      createTime: this.ctx.now(),
      startedAt: this.queryClock(),
      cancelled: false,
      output,
    };
    this.queries.set(record.queryId, record);
    this.evictOld();
    return { queryId: record.queryId };
  }

  results(input: Input): Output {
    const record = this.find(requiredString(input, 'queryId', { min: 0, max: 256 }));
    const status = this.statusOf(record);
    const complete = status === 'Complete';
    const stats = record.output.statistics;
    return {
      queryLanguage: 'CWLI',
      results: complete ? record.output.results : [],
      statistics: {
        recordsMatched: complete ? stats.recordsMatched : 0,
        recordsScanned: complete ? stats.recordsScanned : 0,
        bytesScanned: complete ? stats.bytesScanned : 0,
        logGroupsScanned: complete ? record.logGroupNames.length : 0,
      },
      status,
    };
  }

  stop(input: Input): Output {
    const record = this.find(requiredString(input, 'queryId', { min: 0, max: 256 }));
    const status = this.statusOf(record);
    if (status !== 'Scheduled' && status !== 'Running') return { success: false };
    record.cancelled = true;
    return { success: true };
  }

  describe(input: Input): Output {
    const groupName = optionalString(input, 'logGroupName');
    const status = optionalString(input, 'status');
    if (status !== undefined && !STATUSES.includes(status)) throw invalid(`Invalid status: ${status}`);
    const maxResults = optionalInt(input, 'maxResults', { min: 1, max: 1000 }) ?? 1000;
    const fp = fingerprint(['DescribeQueries', groupName, status]);
    const token = optionalString(input, 'nextToken');
    const offset = token === undefined ? 0 : tokenNumber(decodeToken(token, fp), 'offset');
    const matching = [...this.queries.values()]
      .filter((q) => groupName === undefined || q.logGroupNames.includes(groupNameOf(groupName)))
      .filter((q) => status === undefined || this.statusOf(q) === status)
      .sort((a, b) => b.createTime - a.createTime);
    const page = matching.slice(offset, offset + maxResults);
    return {
      queries: page.map((q) => ({
        queryLanguage: 'CWLI',
        queryId: q.queryId,
        queryString: q.queryString,
        status: this.statusOf(q),
        createTime: q.createTime,
        logGroupName: q.logGroupNames[0],
      })),
      ...(offset + maxResults < matching.length ? { nextToken: encodeToken({ offset: offset + maxResults }, fp) } : {}),
    };
  }

  /** GetLogRecord: every field of the event behind a `@ptr`, as strings. */
  logRecord(input: Input): Output {
    const pointer = requiredString(input, 'logRecordPointer');
    const seq = seqOfPointer(pointer);
    if (seq === undefined) throw invalid('The specified logRecordPointer is invalid.');
    const event = this.ctx.store.eventBySeq(seq);
    if (event === undefined) throw new EmulatorError('ResourceNotFoundException', 'The log record does not exist.');
    const record: Record<string, string> = {};
    for (const field of ['@message', '@logStream', '@log']) record[field] = renderValue(systemField(event, field) ?? '');
    record['@timestamp'] = String(event.timestamp);
    record['@ingestionTime'] = String(event.ingestionTime);
    for (const [name, value] of event.fields()) record[name] = String(value);
    return { logRecord: record };
  }

  statusOf(record: QueryRecord): QueryStatus {
    if (record.cancelled) return 'Cancelled';
    const elapsed = this.queryClock() - record.startedAt;
    if (elapsed < this.timing.scheduledMs) return 'Scheduled';
    if (elapsed < this.timing.scheduledMs + this.timing.runningMs) return 'Running';
    return 'Complete';
  }

  private groupsOf(input: Input): string[] {
    const name = optionalString(input, 'logGroupName', { min: 1, max: 512 });
    const names = optionalStringList(input, 'logGroupNames', { min: 1, max: 50 });
    const identifiers = optionalStringList(input, 'logGroupIdentifiers', { min: 1, max: 50 });
    const given = [name, names, identifiers].filter((v) => v !== undefined);
    if (given.length !== 1) throw invalid('Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be specified.');
    return name !== undefined ? [name] : ((names ?? identifiers) as string[]);
  }

  private find(queryId: string): QueryRecord {
    const record = this.queries.get(queryId);
    if (record === undefined) throw new EmulatorError('ResourceNotFoundException', `Query ${queryId} does not exist.`);
    return record;
  }

  private activeCount(): number {
    let n = 0;
    for (const q of this.queries.values()) {
      const s = this.statusOf(q);
      if (s === 'Scheduled' || s === 'Running') n++;
    }
    return n;
  }

  private evictOld(): void {
    for (const [id, q] of this.queries) {
      if (this.queries.size <= MAX_KEPT_QUERIES) return;
      const s = this.statusOf(q);
      if (s !== 'Scheduled' && s !== 'Running') this.queries.delete(id);
    }
  }

  clear(): void {
    this.queries.clear();
  }
}
