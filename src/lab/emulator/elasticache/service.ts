import { readInteger, readString, readTimestamp } from '../protocols/input.js';
import { decodePageToken, pageOf } from '../protocols/paging.js';
import { EmulatorError, type EmulatedService } from '../types.js';
import { ElastiCacheEventMessages as Msg } from './event-messages.js';
import { buildReplicationGroup, replicationGroupOutput, type ReplicationGroupRecord, type ReplicationGroupSeed } from './replication-groups.js';

/**
 * The emulated ElastiCache (query protocol, 2015-02-02): DescribeReplicationGroups and
 * DescribeEvents, plus seeding methods the lab (and tests) use to make groups and events
 * exist, since AWS offers no API to create events.
 */

export const EVENT_SOURCE_TYPES = [
  'cache-cluster', 'cache-parameter-group', 'cache-security-group', 'cache-subnet-group',
  'replication-group', 'serverless-cache', 'serverless-cache-snapshot', 'user', 'user-group',
] as const;
export type EventSourceType = (typeof EVENT_SOURCE_TYPES)[number];

/** An event to seed. `date` defaults to the emulator clock's now. */
export interface ElastiCacheEventSeed {
  sourceId: string;
  sourceType: EventSourceType;
  message: string;
  date?: Date | string | number;
}

interface StoredEvent {
  sourceId: string;
  sourceType: EventSourceType;
  message: string;
  date: number;
  seq: number;
}

const DEFAULT_WINDOW_MIN = 60;
const MAX_WINDOW_MIN = 14 * 24 * 60;

function invalidValue(message: string): EmulatorError {
  return new EmulatorError('InvalidParameterValueException', message);
}

function readMaxRecords(input: Record<string, unknown>): number {
  const max = readInteger(input, 'MaxRecords') ?? 100;
  if (max < 20 || max > 100) throw invalidValue('MaxRecords must be between 20 and 100.');
  return max;
}

export class ElastiCacheService implements EmulatedService {
  readonly name = 'elasticache' as const;
  private readonly groups = new Map<string, ReplicationGroupRecord>();
  private events: StoredEvent[] = [];
  private seq = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Seeds (or replaces) a replication group. */
  addReplicationGroup(seed: ReplicationGroupSeed): void {
    if (!/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/.test(seed.replicationGroupId)) {
      throw new TypeError(`invalid replication group id ${JSON.stringify(seed.replicationGroupId)}`);
    }
    this.groups.set(seed.replicationGroupId, buildReplicationGroup(seed, new Date(this.clock())));
  }

  /** Seeds one event. */
  addEvent(event: ElastiCacheEventSeed): void {
    if (!(EVENT_SOURCE_TYPES as readonly string[]).includes(event.sourceType)) throw new TypeError(`invalid event source type ${event.sourceType}`);
    const date = event.date === undefined ? this.clock() : new Date(event.date).getTime();
    if (!Number.isFinite(date)) throw new TypeError(`invalid event date ${String(event.date)}`);
    this.events.push({ sourceId: event.sourceId, sourceType: event.sourceType, message: event.message, date, seq: this.seq++ });
  }

  /**
   * Promotes a node group's first replica, with the events ElastiCache records for an
   * automatic failover, one millisecond apart from `at` (default now). Returns the new primary.
   */
  failover(replicationGroupId: string, opts: { nodeGroupId?: string; at?: Date | number } = {}): string {
    const rg = this.groups.get(replicationGroupId);
    if (!rg) throw new TypeError(`no replication group ${replicationGroupId}`);
    const group = rg.nodeGroups.find((g) => g.nodeGroupId === (opts.nodeGroupId ?? '0001'));
    const primary = group?.members.find((m) => m.role === 'primary');
    const replica = group?.members.find((m) => m.role === 'replica');
    if (!primary || !replica) throw new TypeError(`node group ${opts.nodeGroupId ?? '0001'} of ${replicationGroupId} has no replica to promote`);
    primary.role = 'replica';
    replica.role = 'primary';
    const at = opts.at === undefined ? this.clock() : new Date(opts.at).getTime();
    const done = Msg.failoverComplete(primary.cacheClusterId, replica.cacheClusterId);
    this.addEvent({ sourceId: primary.cacheClusterId, sourceType: 'cache-cluster', message: done, date: at });
    this.addEvent({ sourceId: replicationGroupId, sourceType: 'replication-group', message: done, date: at + 1 });
    this.addEvent({ sourceId: primary.cacheClusterId, sourceType: 'cache-cluster', message: Msg.recoveringCacheNodes(['0001']), date: at + 2 });
    this.addEvent({ sourceId: primary.cacheClusterId, sourceType: 'cache-cluster', message: Msg.finishedRecovery(['0001']), date: at + 3 });
    return replica.cacheClusterId;
  }

  handle(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'DescribeReplicationGroups':
        return this.describeReplicationGroups(input);
      case 'DescribeEvents':
        return this.describeEvents(input);
      default:
        throw new EmulatorError('InvalidAction', `The action ${operation} is not valid for this web service (or not emulated by the lab).`);
    }
  }

  /** Forgets all groups and events. */
  reset(): void {
    this.groups.clear();
    this.events = [];
  }

  private describeReplicationGroups(input: Record<string, unknown>): Record<string, unknown> {
    const id = readString(input, 'ReplicationGroupId');
    const max = readMaxRecords(input);
    if (id !== undefined) {
      const rg = this.groups.get(id);
      if (!rg) throw new EmulatorError('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`, 404);
      return { ReplicationGroups: [replicationGroupOutput(rg)] };
    }
    const all = [...this.groups.keys()].sort().map((k) => this.groups.get(k) as ReplicationGroupRecord);
    const { page, next } = pageOf(all, decodePageToken(readString(input, 'Marker'), 'rg', 'InvalidParameterValueException'), max, 'rg');
    return { ReplicationGroups: page.map(replicationGroupOutput), ...(next ? { Marker: next } : {}) };
  }

  /**
   * DescribeEvents: newest first (as the API's examples show), within [StartTime, EndTime]
   * or the last `Duration` minutes, by default the last hour, never beyond 14 days.
   */
  private describeEvents(input: Record<string, unknown>): Record<string, unknown> {
    const sourceId = readString(input, 'SourceIdentifier');
    const sourceType = readString(input, 'SourceType');
    if (sourceType !== undefined && !(EVENT_SOURCE_TYPES as readonly string[]).includes(sourceType)) {
      throw invalidValue(`Invalid value for SourceType: ${sourceType}.`);
    }
    const now = this.clock();
    const duration = readInteger(input, 'Duration');
    if (duration !== undefined && (duration < 1 || duration > MAX_WINDOW_MIN)) throw invalidValue(`Duration must be between 1 and ${MAX_WINDOW_MIN} minutes.`);
    const endTime = readTimestamp(input, 'EndTime')?.getTime();
    let startTime = readTimestamp(input, 'StartTime')?.getTime();
    const end = endTime ?? (startTime !== undefined && duration !== undefined ? startTime + duration * 60_000 : now);
    startTime ??= end - (duration ?? DEFAULT_WINDOW_MIN) * 60_000;
    if (startTime > end) throw invalidValue('StartTime must be before EndTime.');
    const start = Math.max(startTime, now - MAX_WINDOW_MIN * 60_000);
    const max = readMaxRecords(input);

    const matching = this.events
      .filter((e) => e.date >= start && e.date <= end)
      .filter((e) => (sourceId === undefined || e.sourceId === sourceId) && (sourceType === undefined || e.sourceType === sourceType))
      .sort((a, b) => b.date - a.date || b.seq - a.seq);
    // Bound to the filters as given, not the resolved window: "the last hour" moves between pages.
    const print = JSON.stringify([sourceId, sourceType, input.StartTime, input.EndTime, input.Duration]);
    const { page, next } = pageOf(matching, decodePageToken(readString(input, 'Marker'), print, 'InvalidParameterValueException'), max, print);
    return {
      Events: page.map((e) => ({ SourceIdentifier: e.sourceId, SourceType: e.sourceType, Message: e.message, Date: new Date(e.date) })),
      ...(next ? { Marker: next } : {}),
    };
  }
}
