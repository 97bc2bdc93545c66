import type { AttributeValue, ScanCommand, ScanCommandOutput } from '@aws-sdk/client-dynamodb';

/**
 * What the scan needs of a client: sending the low-level Scan (the wire form, measured as
 * DynamoDB measures it). A DynamoDBClient, or a document client built on one.
 */
export interface ScanSender {
  send(command: ScanCommand, options?: { abortSignal?: AbortSignal }): Promise<ScanCommandOutput>;
}
import { attributeMapSizeBytes, MAX_ITEM_BYTES } from '../core/size/item-size.js';
import { callAws } from '../sources/timeout.js';
import { estimateScanRcu, ReadBudget, SYSTEM_CLOCK, type Clock } from './read-budget.js';
import { HeadroomHistogram, LargestItems, type HeadroomBucket } from './size-histogram.js';
import { loadSdk } from '../core/aws-sdk.js';

export interface DynamoFleetScanOptions {
  table: string;
  /** TotalSegments of the parallel scan. */
  totalSegments: number;
  /** The segments this process scans (all of 0..N-1, or one with `--segment i/N`). */
  segments: readonly number[];
  /** Items at or above this size are listed. */
  thresholdBytes: number;
  /** Read budget, RCU per second, shared by this process's segments. */
  maxRcu?: number;
  /** How many of the largest items over the threshold the report names. Default 20. */
  top?: number;
  /** Per request. */
  timeoutMs: number;
  /** For error hints (the AWS profile to log in with). */
  errorContext?: { profile?: string };
  clock?: Clock;
  onProgress?: (p: { items: number; pages: number; consumedRcu: number }) => void;
  /** Every item as measured, for a caller that acts on items (the fleet fix of scenario 4); a throw (an abort) ends the scan. */
  onItem?: (item: MeasuredItem) => void;
}

/** One item as the scan measured it. */
export interface MeasuredItem {
  sessionId: string | null;
  /** Exact size by DynamoDB's rules. */
  bytes: number;
  /** Entries of the item's own `turns` list (compacted turns are elsewhere). */
  ownTurns: number;
}

export interface LargeSession {
  sessionId: string;
  bytes: number;
  headroomBytes: number;
  turnCount: number | null;
}

/** What one `scan dynamodb` found: counts, a histogram and the largest items; bounded in size. */
export interface DynamoFleetReport {
  table: string;
  totalSegments: number;
  segmentsScanned: number[];
  items: number;
  pages: number;
  bytes: { total: number; max: number; mean: number };
  histogram: Array<Omit<HeadroomBucket, 'minHeadroom'> & { minHeadroom: number | null }>;
  thresholdBytes: number;
  overThreshold: { count: number; largest: LargeSession[] };
  /** Items larger than DynamoDB's 409,600-byte limit (only a store that mis-measures accepts them). */
  overLimit: number;
  consumedRcu: number;
  /** `reported` when DynamoDB returned ConsumedCapacity for every page, else partly `estimated` from item sizes. */
  rcuSource: 'reported' | 'estimated';
  maxRcu: number | null;
  /** Time requests waited for the read budget, ms. */
  budgetWaitMs: number;
  durationMs: number;
}

/** Items per page under a budget: about one share of a second's budget per page, learned from the sizes seen. */
function pageLimit(budget: ReadBudget | null, shares: number, meanBytes: number): number | undefined {
  if (!budget) return undefined;
  if (meanBytes === 0) return 10;
  const bytesPerShare = (budget.rcuPerSecond / shares) * 2 * 4096;
  return Math.min(1000, Math.max(1, Math.floor(bytesPerShare / meanBytes)));
}

/**
 * `scan dynamodb`: a parallel Scan of the sessions table (one worker per segment), measuring
 * every item exactly as DynamoDB does (`attributeMapSizeBytes` on the wire form: UTF-8 bytes,
 * numbers by their digits, list and map overheads) rather than trusting the store. With
 * `maxRcu` every request first asks a shared {@link ReadBudget}. Reads only; memory is one
 * page per segment plus the `top` largest items.
 */
export async function scanDynamoFleet(client: ScanSender, opts: DynamoFleetScanOptions): Promise<DynamoFleetReport> {
  const { ScanCommand } = await loadSdk('@aws-sdk/client-dynamodb');
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const started = clock.now();
  const budget = opts.maxRcu ? new ReadBudget(opts.maxRcu, clock) : null;
  const histogram = new HeadroomHistogram();
  const largest = new LargestItems<LargeSession>(opts.top ?? 20);
  const totals = { items: 0, pages: 0, bytes: 0, max: 0, over: 0, overLimit: 0, rcu: 0, estimated: false };

  const scanSegment = async (segment: number) => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      await budget?.acquire();
      const limit = pageLimit(budget, opts.segments.length, totals.items ? totals.bytes / totals.items : 0);
      const page = await callAws(
        'dynamodb',
        opts.timeoutMs,
        (abortSignal) =>
          client.send(
            new ScanCommand({
              TableName: opts.table,
              ReturnConsumedCapacity: 'TOTAL',
              ...(opts.totalSegments > 1 ? { Segment: segment, TotalSegments: opts.totalSegments } : {}),
              ...(limit ? { Limit: limit } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
            { abortSignal },
          ),
        { what: `Scan ${opts.table}`, ...opts.errorContext },
      );
      let pageBytes = 0;
      for (const item of page.Items ?? []) {
        const bytes = attributeMapSizeBytes(item);
        pageBytes += bytes;
        totals.items++;
        totals.bytes += bytes;
        totals.max = Math.max(totals.max, bytes);
        histogram.add(bytes);
        if (bytes > MAX_ITEM_BYTES) totals.overLimit++;
        opts.onItem?.({ sessionId: item.session_id?.S ?? null, bytes, ownTurns: item.turns?.L?.length ?? 0 });
        if (bytes >= opts.thresholdBytes) {
          totals.over++;
          const turnCount = item.turn_count?.N !== undefined ? Number(item.turn_count.N) : null;
          largest.add({ sessionId: item.session_id?.S ?? '(no session_id)', bytes, headroomBytes: MAX_ITEM_BYTES - bytes, turnCount });
        }
      }
      const reported = page.ConsumedCapacity?.CapacityUnits;
      if (reported === undefined) totals.estimated = true;
      const rcu = reported ?? estimateScanRcu(pageBytes);
      totals.rcu += rcu;
      totals.pages++;
      budget?.spend(rcu);
      opts.onProgress?.({ items: totals.items, pages: totals.pages, consumedRcu: totals.rcu });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };
  await Promise.all(opts.segments.map(scanSegment));

  return {
    table: opts.table,
    totalSegments: opts.totalSegments,
    segmentsScanned: [...opts.segments],
    items: totals.items,
    pages: totals.pages,
    bytes: { total: totals.bytes, max: totals.max, mean: totals.items ? Math.round(totals.bytes / totals.items) : 0 },
    histogram: histogram.toJSON(),
    thresholdBytes: opts.thresholdBytes,
    overThreshold: { count: totals.over, largest: largest.items },
    overLimit: totals.overLimit,
    consumedRcu: totals.rcu,
    rcuSource: totals.estimated ? 'estimated' : 'reported',
    maxRcu: opts.maxRcu ?? null,
    budgetWaitMs: budget?.waitedMs ?? 0,
    durationMs: Math.round(clock.now() - started),
  };
}

/**
 * Parses `--segment i/N` (0-based i) or `--segments N` into the scan's shape; returns an
 * error message for the CLI's usage error instead of throwing.
 */
export function segmentPlan(opts: { segments?: string; segment?: string }): { totalSegments: number; segments: number[] } | string {
  if (opts.segment !== undefined && opts.segments !== undefined) return '--segment i/N and --segments N are exclusive: use one';
  if (opts.segment !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(opts.segment.trim());
    const i = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || !(n >= 1 && n <= 1_000_000) || !(i < n)) return `--segment ${JSON.stringify(opts.segment)}: expected i/N with 0 <= i < N <= 1000000 (e.g. 0/4)`;
    return { totalSegments: n, segments: [i] };
  }
  const n = opts.segments === undefined ? DEFAULT_SEGMENTS : Number(opts.segments);
  if (!Number.isInteger(n) || n < 1 || n > 64) return `--segments ${JSON.stringify(opts.segments)}: expected a whole number from 1 to 64 (run more workers with --segment i/N)`;
  return { totalSegments: n, segments: Array.from({ length: n }, (_, i) => i) };
}

/** Parallel workers in one process by default: enough to overlap round trips, polite to the table. */
export const DEFAULT_SEGMENTS = 4;
