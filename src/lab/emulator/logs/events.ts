import type { LogsContext } from './resources.js';
import type { LogStreamRecord, StoredEvent } from './store.js';
import { groupIdentifier, invalid, LOG_GROUP_NAME, LOG_STREAM_NAME, optionalBool, optionalInt, optionalString, requiredString } from './params.js';
import { decodeToken, encodeToken, fingerprint, tokenNumber } from './tokens.js';

/** PutLogEvents and GetLogEvents, with the limits and rejections CloudWatch Logs applies. */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** Per-request quotas of PutLogEvents. */
export const PUT_LIMITS = {
  maxEvents: 10_000,
  maxBatchBytes: 1_048_576,
  /** Bytes CloudWatch adds to every event's UTF-8 size when metering a batch. */
  eventOverheadBytes: 26,
  maxEventBytes: 262_144,
  maxSpanMs: 24 * 3600_000,
  /** Events older than this are rejected as too old... */
  maxAgeMs: 14 * 24 * 3600_000,
  /** ...and events further ahead than this as too new. */
  maxFutureMs: 2 * 3600_000,
} as const;

interface InputEvent {
  timestamp: number;
  message: string;
}

function readEvents(input: Input): InputEvent[] {
  const raw = input['logEvents'];
  if (!Array.isArray(raw)) throw invalid("1 validation error detected: Value null at 'logEvents' failed to satisfy constraint: Member must not be null");
  if (raw.length < 1 || raw.length > PUT_LIMITS.maxEvents) {
    throw invalid(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and ${PUT_LIMITS.maxEvents}`);
  }
  return raw.map((item: unknown, i) => {
    const e = (item ?? {}) as Record<string, unknown>;
    if (typeof e['timestamp'] !== 'number' || !Number.isInteger(e['timestamp'])) throw invalid(`logEvents.${i + 1}.member.timestamp must be an integer`);
    if (typeof e['message'] !== 'string' || e['message'].length < 1) {
      throw invalid(`1 validation error detected: Value at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    }
    return { timestamp: e['timestamp'], message: e['message'] };
  });
}

export function putLogEvents(ctx: LogsContext, input: Input): Output {
  const groupName = requiredString(input, 'logGroupName', LOG_GROUP_NAME);
  const streamName = requiredString(input, 'logStreamName', LOG_STREAM_NAME);
  const events = readEvents(input);

  let batchBytes = 0;
  events.forEach((e, i) => {
    const size = Buffer.byteLength(e.message, 'utf8') + PUT_LIMITS.eventOverheadBytes;
    if (size > PUT_LIMITS.maxEventBytes) throw invalid(`Log event too large: event ${i} is ${size} bytes, the maximum is ${PUT_LIMITS.maxEventBytes}`);
    batchBytes += size;
    const prev = events[i - 1];
    if (prev !== undefined && e.timestamp < prev.timestamp) {
      throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
    }
  });
  if (batchBytes > PUT_LIMITS.maxBatchBytes) throw invalid(`Upload too large: ${batchBytes} bytes exceeds limit of ${PUT_LIMITS.maxBatchBytes}`);
  const first = events[0] as InputEvent;
  const last = events[events.length - 1] as InputEvent;
  if (last.timestamp - first.timestamp > PUT_LIMITS.maxSpanMs) {
    throw invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }

  const group = ctx.store.group(groupName);
  const stream = ctx.store.stream(group, streamName);
  const now = ctx.now();
  // The batch is chronological, so each rejection class is a prefix or a suffix of it.
  const tooOldEnd = countWhile(events, (e) => e.timestamp < now - PUT_LIMITS.maxAgeMs);
  const retentionDays = group.retentionInDays;
  const expiredEnd = retentionDays === undefined ? 0 : countWhile(events, (e) => e.timestamp < now - retentionDays * 86_400_000);
  const tooNewStart = events.length - countWhile([...events].reverse(), (e) => e.timestamp > now + PUT_LIMITS.maxFutureMs);
  for (let i = Math.max(tooOldEnd, expiredEnd); i < tooNewStart; i++) {
    const e = events[i] as InputEvent;
    ctx.store.append(stream, e.timestamp, e.message, now);
  }
  const rejected = {
    ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
    ...(expiredEnd > 0 ? { expiredLogEventEndIndex: expiredEnd } : {}),
    ...(tooNewStart < events.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
  };
  return {
    nextSequenceToken: String(stream.size + 1).padStart(56, '0'),
    ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
  };
}

function countWhile<T>(items: readonly T[], pred: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && pred(items[n] as T)) n++;
  return n;
}

/**
 * GetLogEvents: one stream, time range [startTime, endTime), newest page first unless
 * startFromHead. Tokens are `f/...` (forward) and `b/...` (backward) cut points between
 * events; paging past either end returns the same token again, which is how AWS tells a
 * client it has reached the end.
 */
export function getLogEvents(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(groupIdentifier(input));
  const stream = ctx.store.stream(group, requiredString(input, 'logStreamName', LOG_STREAM_NAME));
  const startTime = optionalInt(input, 'startTime', { min: 0 }) ?? 0;
  const endTime = optionalInt(input, 'endTime', { min: 0 }) ?? Number.MAX_SAFE_INTEGER;
  const limit = optionalInt(input, 'limit', { min: 1, max: 10_000 }) ?? 10_000;
  const startFromHead = optionalBool(input, 'startFromHead') ?? false;
  const token = optionalString(input, 'nextToken');
  const fp = fingerprint(['GetLogEvents', group.name, stream.name]);

  const [lo, hi] = stream.range(startTime, endTime - 1);
  let from = lo;
  let to = hi;
  let forward = startFromHead;
  if (token !== undefined) {
    const direction = token.slice(0, 2);
    if (direction !== 'f/' && direction !== 'b/') throw invalid('The specified nextToken is invalid.');
    const cut = decodeToken(token.slice(2), fp);
    const index = stream.indexAfter(tokenNumber(cut, 'ts'), tokenNumber(cut, 'seq'));
    forward = direction === 'f/';
    if (forward) from = Math.max(lo, index);
    else to = Math.min(hi, index);
  }
  if (from > to) from = to;
  const all = stream.ordered();
  const page = forward ? all.slice(from, Math.min(to, from + limit)) : all.slice(Math.max(from, to - limit), to);
  const head = page[0];
  const tail = page[page.length - 1];
  const cutAfter = (e: StoredEvent): string => encodeToken({ ts: e.timestamp, seq: e.seq }, fp);
  const cutBefore = (e: StoredEvent): string => encodeToken({ ts: e.timestamp, seq: e.seq - 1 }, fp);
  const boundary = cutAt(stream, forward ? from : to, fp);
  return {
    events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
    nextForwardToken: tail !== undefined ? `f/${cutAfter(tail)}` : (token?.startsWith('f/') ? token : `f/${boundary}`),
    nextBackwardToken: head !== undefined ? `b/${cutBefore(head)}` : (token?.startsWith('b/') ? token : `b/${boundary}`),
  };
}

/** A cut point just before ordered index `index` (or after the last event). */
function cutAt(stream: LogStreamRecord, index: number, fp: string): string {
  const all = stream.ordered();
  const at = all[index];
  if (at !== undefined) return encodeToken({ ts: at.timestamp, seq: at.seq - 1 }, fp);
  const last = all[all.length - 1];
  return encodeToken(last === undefined ? { ts: 0, seq: 0 } : { ts: last.timestamp, seq: last.seq }, fp);
}
