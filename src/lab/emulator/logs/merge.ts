import { compareEvents, type StoredEvent } from './store.js';

/** A slice [lo, hi) of one stream's ordered events. */
export interface EventSlice {
  readonly events: readonly StoredEvent[];
  readonly lo: number;
  readonly hi: number;
}

interface Head {
  slice: EventSlice;
  /** Next index to emit: counts up from lo (ascending) or down from hi - 1 (descending). */
  at: number;
}

/**
 * Interleaves several streams' slices into one sequence ordered by (timestamp, seq), the
 * order FilterLogEvents pages through. A binary heap keeps it O(n log k) for k streams, and
 * lazy, so a page of 100 events out of 100,000 costs only what it reads.
 */
export function* mergeSlices(slices: readonly EventSlice[], descending: boolean): Generator<StoredEvent> {
  const sign = descending ? -1 : 1;
  const less = (a: Head, b: Head): boolean => sign * compareEvents(a.slice.events[a.at] as StoredEvent, b.slice.events[b.at] as StoredEvent) < 0;
  const heap: Head[] = [];
  for (const slice of slices) {
    if (slice.lo < slice.hi) heap.push({ slice, at: descending ? slice.hi - 1 : slice.lo });
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, less);
  while (heap.length > 0) {
    const top = heap[0] as Head;
    yield top.slice.events[top.at] as StoredEvent;
    top.at += sign;
    const exhausted = descending ? top.at < top.slice.lo : top.at >= top.slice.hi;
    if (exhausted) {
      const last = heap.pop() as Head;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    siftDown(heap, 0, less);
  }
}

function siftDown(heap: Head[], start: number, less: (a: Head, b: Head) => boolean): void {
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let best = i;
    if (l < heap.length && less(heap[l] as Head, heap[best] as Head)) best = l;
    if (r < heap.length && less(heap[r] as Head, heap[best] as Head)) best = r;
    if (best === i) return;
    [heap[i], heap[best]] = [heap[best] as Head, heap[i] as Head];
    i = best;
  }
}
