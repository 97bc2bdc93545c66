/**
 * Writes the seed's log events to CloudWatch Logs with PutLogEvents, as the orchestrator's
 * awslogs driver would: one stream per ECS task, events in timestamp order per stream, and
 * batches within the API's limits (10,000 events, 1,048,576 bytes counting 26 bytes of
 * overhead per event).
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LogRecord } from '../model.js';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;

export interface InputLogEvent {
  timestamp: number;
  message: string;
}

/** Splits one stream's events (already sorted) into PutLogEvents batches. */
export function logBatches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const out: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (current.length >= MAX_BATCH_EVENTS || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Events grouped by stream, each stream sorted by timestamp (stable: generation order breaks ties). */
export function eventsByStream(logs: readonly LogRecord[]): Map<string, InputLogEvent[]> {
  const out = new Map<string, InputLogEvent[]>();
  for (const l of logs) {
    let list = out.get(l.stream);
    if (!list) out.set(l.stream, (list = []));
    list.push({ timestamp: l.timestamp, message: JSON.stringify(l.fields) });
  }
  for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return out;
}

/** Creates the group and streams (tolerating ones that exist) and writes every event. */
export async function writeLogs(client: CloudWatchLogsClient, group: string, streams: readonly string[], logs: readonly LogRecord[]): Promise<void> {
  const { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const tolerateExisting = (err: unknown) => {
    if ((err as { name?: string }).name !== 'ResourceAlreadyExistsException') throw err;
  };
  await client.send(new CreateLogGroupCommand({ logGroupName: group })).catch(tolerateExisting);
  const byStream = eventsByStream(logs);
  for (const stream of new Set([...streams, ...byStream.keys()])) {
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(tolerateExisting);
  }
  for (const [stream, events] of byStream) {
    for (const batch of logBatches(events)) {
      const out = await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }));
      const rejected = out.rejectedLogEventsInfo;
      if (rejected && Object.values(rejected).some((v) => v !== undefined)) {
        throw new Error(`CloudWatch Logs rejected events of ${stream}: ${JSON.stringify(rejected)}`);
      }
    }
  }
}
