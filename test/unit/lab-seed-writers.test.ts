import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/lab/seed/model.js';
import { eventsByStream, logBatches, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../src/lab/seed/writers/logs.js';

const event = (timestamp: number, bytes: number) => ({ timestamp, message: 'x'.repeat(bytes) });

describe('PutLogEvents batching', () => {
  it('never puts more than 10,000 events in a batch, and keeps order', () => {
    const events = Array.from({ length: 25_001 }, (_, i) => event(i, 10));
    const batches = logBatches(events);
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH_EVENTS, MAX_BATCH_EVENTS, 5001]);
    expect(batches.flat()).toEqual(events);
  });

  it('never exceeds 1 MiB counting 26 bytes per event, counting UTF-8 not UTF-16', () => {
    // 3-byte characters: 100,000 of them are 300,000 bytes though only 100,000 UTF-16 units.
    const events = Array.from({ length: 10 }, (_, i) => ({ timestamp: i, message: 'ア'.repeat(100_000) }));
    const batches = logBatches(events);
    for (const b of batches) expect(b.reduce((n, e) => n + Buffer.byteLength(e.message) + 26, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('groups events by stream, each sorted by time, with the JSON fields as the message', () => {
    const rec = (stream: string, timestamp: number, turn: string): LogRecord => ({
      stream, timestamp, fields: { event: 'request', level: 'INFO', session_id: 's', turn_id: turn, received_at: timestamp },
    });
    const out = eventsByStream([rec('a', 3, 't3'), rec('b', 1, 't1'), rec('a', 2, 't2')]);
    expect([...out.keys()]).toEqual(['a', 'b']);
    expect(out.get('a')?.map((e) => e.timestamp)).toEqual([2, 3]);
    expect(JSON.parse(out.get('a')?.[0]?.message ?? '')).toEqual({ event: 'request', level: 'INFO', session_id: 's', turn_id: 't2', received_at: 2 });
  });
});
