import { EmulatorError } from '../types.js';
import { flattenJson, lookupField, parseJsonMessage, type JsonValue } from './json-fields.js';

/**
 * The in-memory data of the CloudWatch Logs emulator: log groups, their streams, and each
 * stream's events kept sorted by (timestamp, seq) so that time ranges are found by binary
 * search instead of a scan. `seq` is a global ingestion counter: it makes the order total
 * (events with equal timestamps keep their arrival order) and gives every event an id.
 */

const NOT_PARSED: unique symbol = Symbol('not-parsed');

/**
 * One stored log event. Its JSON parse is made on first use and kept: queries and JSON
 * filter patterns over the same events then cost a property read, not a parse.
 */
export class StoredEvent {
  private parsed: JsonValue | undefined | typeof NOT_PARSED = NOT_PARSED;

  constructor(
    readonly seq: number,
    readonly stream: LogStreamRecord,
    readonly timestamp: number,
    readonly message: string,
    readonly ingestionTime: number,
    /** UTF-8 size of the message, as CloudWatch meters it. */
    readonly bytes: number,
  ) {}

  /** The message as a JSON object or array, or undefined for unstructured events. */
  json(): JsonValue | undefined {
    if (this.parsed === NOT_PARSED) this.parsed = parseJsonMessage(this.message);
    return this.parsed;
  }

  /** A field Logs Insights discovers in a JSON message (`a.b`, `list.0`), or undefined. */
  field(name: string): string | number | boolean | undefined {
    return lookupField(this.json(), name);
  }

  /** Every discovered field (dot paths), in document order; empty for plain text. */
  fields(): ReadonlyMap<string, string | number | boolean> {
    const doc = this.json();
    return doc === undefined ? new Map() : flattenJson(doc);
  }
}

/** Orders events by timestamp, then arrival. */
export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  return a.timestamp - b.timestamp || a.seq - b.seq;
}

export class LogStreamRecord {
  private readonly events: StoredEvent[] = [];
  private sorted = true;
  storedBytes = 0;
  lastIngestionTime: number | undefined;

  constructor(
    readonly group: LogGroupRecord,
    readonly name: string,
    readonly creationTime: number,
  ) {}

  /** Adds one event; an out-of-order arrival only marks the stream for a lazy re-sort. */
  append(event: StoredEvent): void {
    const last = this.events[this.events.length - 1];
    if (last !== undefined && compareEvents(event, last) < 0) this.sorted = false;
    this.events.push(event);
    this.storedBytes += event.bytes;
    this.lastIngestionTime = event.ingestionTime;
  }

  /** All events, ordered by (timestamp, seq). */
  ordered(): readonly StoredEvent[] {
    if (!this.sorted) {
      this.events.sort(compareEvents);
      this.sorted = true;
    }
    return this.events;
  }

  get size(): number {
    return this.events.length;
  }

  get firstEventTimestamp(): number | undefined {
    return this.ordered()[0]?.timestamp;
  }

  get lastEventTimestamp(): number | undefined {
    const all = this.ordered();
    return all[all.length - 1]?.timestamp;
  }

  /** Index range [lo, hi) of the ordered events with startMs <= timestamp <= endMs. */
  range(startMs: number, endMs: number): [number, number] {
    const all = this.ordered();
    return [lowerBound(all, (e) => e.timestamp < startMs), lowerBound(all, (e) => e.timestamp <= endMs)];
  }

  /** First index whose event sorts after the given (timestamp, seq) position. */
  indexAfter(timestamp: number, seq: number): number {
    return lowerBound(this.ordered(), (e) => e.timestamp < timestamp || (e.timestamp === timestamp && e.seq <= seq));
  }

  /** First index whose event sorts at or after the given (timestamp, seq) position. */
  indexAtOrAfter(timestamp: number, seq: number): number {
    return lowerBound(this.ordered(), (e) => e.timestamp < timestamp || (e.timestamp === timestamp && e.seq < seq));
  }
}

/** First index in a sorted array for which `before` is false (before must be monotone). */
function lowerBound<T>(items: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LogGroupRecord {
  readonly streams = new Map<string, LogStreamRecord>();
  retentionInDays: number | undefined;

  constructor(
    readonly name: string,
    readonly creationTime: number,
    /** arn:aws:logs:<region>:<account>:log-group:<name> (without the trailing `:*`). */
    readonly arn: string,
  ) {}

  get storedBytes(): number {
    let total = 0;
    for (const s of this.streams.values()) total += s.storedBytes;
    return total;
  }
}

export interface LogStoreOptions {
  region: string;
  accountId: string;
}

/** Groups by name, plus an index of events by seq for `@ptr` look-ups. */
export class LogStore {
  private readonly groups = new Map<string, LogGroupRecord>();
  private readonly bySeq = new Map<number, StoredEvent>();
  private nextSeq = 1;

  constructor(readonly options: LogStoreOptions) {}

  createGroup(name: string, now: number): LogGroupRecord {
    if (this.groups.has(name)) throw new EmulatorError('ResourceAlreadyExistsException', 'The specified log group already exists');
    const arn = `arn:aws:logs:${this.options.region}:${this.options.accountId}:log-group:${name}`;
    const group = new LogGroupRecord(name, now, arn);
    this.groups.set(name, group);
    return group;
  }

  /** A group by name or by ARN (with or without the trailing `:*`). */
  group(nameOrArn: string): LogGroupRecord {
    const group = this.groups.get(groupNameOf(nameOrArn));
    if (group === undefined) throw new EmulatorError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  findGroup(name: string): LogGroupRecord | undefined {
    return this.groups.get(name);
  }

  /** Groups sorted by name, as DescribeLogGroups lists them. */
  listGroups(): LogGroupRecord[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteGroup(name: string): void {
    const group = this.group(name);
    for (const stream of group.streams.values()) this.forget(stream);
    this.groups.delete(group.name);
  }

  createStream(group: LogGroupRecord, name: string, now: number): LogStreamRecord {
    if (group.streams.has(name)) throw new EmulatorError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    const stream = new LogStreamRecord(group, name, now);
    group.streams.set(name, stream);
    return stream;
  }

  stream(group: LogGroupRecord, name: string): LogStreamRecord {
    const stream = group.streams.get(name);
    if (stream === undefined) throw new EmulatorError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return stream;
  }

  deleteStream(group: LogGroupRecord, name: string): void {
    this.forget(this.stream(group, name));
    group.streams.delete(name);
  }

  /** Stores one event (no validation: callers validate as their API requires). */
  append(stream: LogStreamRecord, timestamp: number, message: string, ingestionTime: number): StoredEvent {
    const event = new StoredEvent(this.nextSeq++, stream, timestamp, message, ingestionTime, Buffer.byteLength(message, 'utf8'));
    // Parse now rather than in the first query: seeding pays once, queries stay fast.
    event.json();
    stream.append(event);
    this.bySeq.set(event.seq, event);
    return event;
  }

  eventBySeq(seq: number): StoredEvent | undefined {
    return this.bySeq.get(seq);
  }

  /** Total events held, for lab status and tests. */
  get eventCount(): number {
    return this.bySeq.size;
  }

  clear(): void {
    this.groups.clear();
    this.bySeq.clear();
  }

  private forget(stream: LogStreamRecord): void {
    for (const event of stream.ordered()) this.bySeq.delete(event.seq);
  }
}

/** `arn:aws:logs:r:a:log-group:NAME[:*]` -> NAME; a plain name is returned as is. */
export function groupNameOf(nameOrArn: string): string {
  const m = /^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(nameOrArn);
  return m?.[1] ?? nameOrArn;
}
