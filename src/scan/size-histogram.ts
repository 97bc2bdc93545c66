import { ITEM_SIZE_HEADROOM_BYTES, MAX_ITEM_BYTES } from '../core/size/item-size.js';

/** One bar of the headroom histogram: items whose headroom under 400 KB is in [min, max). */
export interface HeadroomBucket {
  label: string;
  /** Inclusive lower bound of headroom, bytes (negative: over the limit). */
  minHeadroom: number;
  /** Exclusive upper bound, bytes; null for the last bucket. */
  maxHeadroom: number | null;
  count: number;
}

const KB = 1024;
/**
 * Headroom = 409,600 - item size. The first bucket is over the limit (DynamoDB would refuse
 * the item; dynalite, which counts UTF-16 units, may have accepted it), the second is inside
 * the core's safety margin (20 KB: the turns appended between two checks).
 */
const EDGES: ReadonlyArray<[string, number, number | null]> = [
  ['over 400 KB', -Infinity, 0],
  ['0-20 KB', 0, ITEM_SIZE_HEADROOM_BYTES],
  ['20-50 KB', ITEM_SIZE_HEADROOM_BYTES, 50 * KB],
  ['50-100 KB', 50 * KB, 100 * KB],
  ['100-200 KB', 100 * KB, 200 * KB],
  ['200-300 KB', 200 * KB, 300 * KB],
  ['300-400 KB', 300 * KB, null],
];

/** Counts of items by headroom under DynamoDB's 400 KB item limit. */
export class HeadroomHistogram {
  readonly buckets: HeadroomBucket[] = EDGES.map(([label, minHeadroom, maxHeadroom]) => ({ label, minHeadroom, maxHeadroom, count: 0 }));

  add(itemBytes: number): void {
    const headroom = MAX_ITEM_BYTES - itemBytes;
    const bucket = this.buckets.find((b) => headroom >= b.minHeadroom && (b.maxHeadroom === null || headroom < b.maxHeadroom));
    bucket!.count++;
  }

  /** Buckets for JSON: -Infinity has no JSON form, so the first bucket's lower bound is null. */
  toJSON(): Array<Omit<HeadroomBucket, 'minHeadroom'> & { minHeadroom: number | null }> {
    return this.buckets.map((b) => ({ ...b, minHeadroom: Number.isFinite(b.minHeadroom) ? b.minHeadroom : null }));
  }
}

/** The `n` largest items over the threshold, kept in a small sorted array (bounded memory). */
export class LargestItems<T extends { bytes: number }> {
  readonly items: T[] = [];
  constructor(private readonly n: number) {}

  add(item: T): void {
    if (this.n <= 0) return;
    if (this.items.length === this.n && item.bytes <= this.items[this.items.length - 1]!.bytes) return;
    const at = this.items.findIndex((x) => x.bytes < item.bytes);
    this.items.splice(at === -1 ? this.items.length : at, 0, item);
    if (this.items.length > this.n) this.items.pop();
  }
}
