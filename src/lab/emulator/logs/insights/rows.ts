import type { StoredEvent } from '../store.js';
import { Timestamp, toNumber, type Value } from './values.js';

/**
 * Rows flowing through a query pipeline. An EventRow reads a stored event lazily (system
 * fields, then fields discovered in its JSON) with computed fields layered on top, so
 * scanning 100,000 events allocates one small object each and parses JSON only for the
 * events a query actually looks into. After `stats`, rows are plain maps.
 */
export interface Row {
  get(field: string): Value | undefined;
  /** Names of the fields present, in the order a query without `fields` shows them. */
  names(): string[];
  /** A row with these fields set (undefined removes a field from view). */
  with(values: ReadonlyMap<string, Value | undefined>): Row;
  /** @timestamp in epoch ms, without building a Timestamp (bin() and earliest() need only this). */
  time(): number | undefined;
  /** The underlying event, for rows that still are events (not aggregates). */
  readonly event: StoredEvent | undefined;
}

const SYSTEM_FIELDS = ['@timestamp', '@message', '@logStream', '@log'] as const;

/** `@ptr` value of an event: opaque to clients, resolvable by GetLogRecord. */
export function pointerOf(event: StoredEvent): string {
  return Buffer.from(`ptr:${event.seq}`, 'utf8').toString('base64url');
}

/** The event seq a pointer names, or undefined when it is not one of ours. */
export function seqOfPointer(pointer: string): number | undefined {
  const m = /^ptr:(\d+)$/.exec(Buffer.from(pointer, 'base64url').toString('utf8'));
  return m === null ? undefined : Number(m[1]);
}

/** `@log` as Insights shows it: `<account-id>:<log-group-name>`. */
function logIdentifier(event: StoredEvent): string {
  const group = event.stream.group;
  return `${group.arn.split(':')[4] ?? ''}:${group.name}`;
}

export function systemField(event: StoredEvent, field: string): Value | undefined {
  switch (field) {
    case '@timestamp':
      return new Timestamp(event.timestamp);
    case '@message':
      return event.message;
    case '@logStream':
      return event.stream.name;
    case '@log':
      return logIdentifier(event);
    case '@ingestionTime':
      return new Timestamp(event.ingestionTime);
    case '@ptr':
      return pointerOf(event);
    default:
      return undefined;
  }
}

export class EventRow implements Row {
  constructor(
    readonly event: StoredEvent,
    private readonly extra?: ReadonlyMap<string, Value | undefined>,
  ) {}

  get(field: string): Value | undefined {
    if (this.extra !== undefined && this.extra.has(field)) return this.extra.get(field);
    if (field.charCodeAt(0) === 64 /* @ */) {
      const system = systemField(this.event, field);
      if (system !== undefined) return system;
    }
    return this.event.field(field);
  }

  time(): number | undefined {
    if (this.extra !== undefined && this.extra.has('@timestamp')) return toNumber(this.extra.get('@timestamp'));
    return this.event.timestamp;
  }

  names(): string[] {
    const names = new Set<string>([...SYSTEM_FIELDS, ...this.event.fields().keys(), ...(this.extra?.keys() ?? [])]);
    return [...names].filter((n) => this.get(n) !== undefined);
  }

  with(values: ReadonlyMap<string, Value | undefined>): Row {
    return new EventRow(this.event, this.extra === undefined ? values : new Map([...this.extra, ...values]));
  }
}

export class PlainRow implements Row {
  readonly event = undefined;
  constructor(private readonly values: ReadonlyMap<string, Value | undefined>) {}

  get(field: string): Value | undefined {
    return this.values.get(field);
  }

  time(): number | undefined {
    return toNumber(this.values.get('@timestamp'));
  }

  names(): string[] {
    return [...this.values.keys()].filter((n) => this.values.get(n) !== undefined);
  }

  with(values: ReadonlyMap<string, Value | undefined>): Row {
    return new PlainRow(new Map([...this.values, ...values]));
  }
}

/**
 * One reusable row pointed at event after event: the leading `filter` commands of a query
 * test every scanned event through it, so only matching events become EventRows.
 */
export class EventCursor implements Row {
  event: StoredEvent | undefined;

  private current(): StoredEvent {
    if (this.event === undefined) throw new Error('EventCursor used before it was pointed at an event');
    return this.event;
  }

  get(field: string): Value | undefined {
    const event = this.current();
    if (field.charCodeAt(0) === 64 /* @ */) {
      const system = systemField(event, field);
      if (system !== undefined) return system;
    }
    return event.field(field);
  }

  time(): number | undefined {
    return this.current().timestamp;
  }

  names(): string[] {
    return new EventRow(this.current()).names();
  }

  with(values: ReadonlyMap<string, Value | undefined>): Row {
    return new EventRow(this.current(), values);
  }
}
