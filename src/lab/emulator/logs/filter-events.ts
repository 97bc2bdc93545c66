import type { LogsContext } from './resources.js';
import type { LogStreamRecord } from './store.js';
import { compileFilterPattern, FilterPatternSyntaxError, type FilterPatternMatcher } from './filter-pattern.js';
import { mergeSlices, type EventSlice } from './merge.js';
import { groupIdentifier, invalid, LOG_STREAM_NAME, optionalBool, optionalInt, optionalString, optionalStringList } from './params.js';
import { decodeToken, encodeToken, fingerprint, tokenNumber } from './tokens.js';

/**
 * FilterLogEvents: events of one group, interleaved across its streams by (timestamp, seq),
 * filtered by a filter pattern, in pages. The nextToken is the position of the last event
 * returned, so paging is stable: every matching event that existed when paging began is
 * returned exactly once, even while new events arrive (those land after the cut or not).
 */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** A response carries at most this many bytes of events, like the real service's 1 MB cap. */
const MAX_RESPONSE_BYTES = 1_048_576;
/** Bytes counted per event besides its message, for the cap above. */
const EVENT_ENVELOPE_BYTES = 100;

export function filterLogEvents(ctx: LogsContext, input: Input): Output {
  const group = ctx.store.group(groupIdentifier(input));
  const streamNames = optionalStringList(input, 'logStreamNames', { min: 1, max: 100 });
  const prefix = optionalString(input, 'logStreamNamePrefix', LOG_STREAM_NAME);
  if (streamNames !== undefined && prefix !== undefined) {
    throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
  }
  const startTime = optionalInt(input, 'startTime', { min: 0 }) ?? 0;
  const endTime = optionalInt(input, 'endTime', { min: 0 }) ?? Number.MAX_SAFE_INTEGER;
  if (endTime < startTime) throw invalid('endTime must be greater than or equal to startTime');
  const pattern = optionalString(input, 'filterPattern', { min: 0, max: 1024 }) ?? '';
  const limit = optionalInt(input, 'limit', { min: 1, max: 10_000 }) ?? 10_000;
  const descending = !(optionalBool(input, 'startFromHead') ?? true);
  const matches = compilePattern(pattern);

  const fp = fingerprint(['FilterLogEvents', group.name, streamNames, prefix, startTime, endTime, pattern, descending]);
  const token = optionalString(input, 'nextToken');
  const cut = token === undefined ? undefined : decodeToken(token, fp);
  const cutTs = cut === undefined ? undefined : tokenNumber(cut, 'ts');
  const cutSeq = cut === undefined ? undefined : tokenNumber(cut, 'seq');

  const streams = [...group.streams.values()].filter((s) =>
    streamNames !== undefined ? streamNames.includes(s.name) : prefix === undefined || s.name.startsWith(prefix),
  );
  const slices = streams.map((stream): EventSlice => {
    let [lo, hi] = stream.range(startTime, endTime);
    if (cutTs !== undefined && cutSeq !== undefined) {
      // Resume strictly past the last event returned, in the direction of travel.
      if (descending) hi = Math.min(hi, stream.indexAtOrAfter(cutTs, cutSeq));
      else lo = Math.max(lo, stream.indexAfter(cutTs, cutSeq));
    }
    return { events: stream.ordered(), lo, hi: Math.max(lo, hi) };
  });

  const events: Output[] = [];
  let bytes = 0;
  let nextToken: string | undefined;
  let previous: { ts: number; seq: number } | undefined;
  for (const event of mergeSlices(slices, descending)) {
    if (!matches(event)) continue;
    if (events.length >= limit || (events.length > 0 && bytes + event.bytes + EVENT_ENVELOPE_BYTES > MAX_RESPONSE_BYTES)) {
      // A further match exists: hand out the position of the last one returned.
      if (previous !== undefined) nextToken = encodeToken(previous, fp);
      break;
    }
    bytes += event.bytes + EVENT_ENVELOPE_BYTES;
    events.push({
      logStreamName: event.stream.name,
      timestamp: event.timestamp,
      message: event.message,
      ingestionTime: event.ingestionTime,
      eventId: String(event.seq).padStart(56, '0'),
    });
    previous = { ts: event.timestamp, seq: event.seq };
  }
  return {
    events,
    searchedLogStreams: streams.map((s: LogStreamRecord) => ({ logStreamName: s.name, searchedCompletely: true })),
    ...(nextToken !== undefined ? { nextToken } : {}),
  };
}

function compilePattern(pattern: string): FilterPatternMatcher {
  try {
    return compileFilterPattern(pattern);
  } catch (err) {
    if (err instanceof FilterPatternSyntaxError) throw invalid(`Invalid filter pattern: ${err.message}`);
    throw err;
  }
}
