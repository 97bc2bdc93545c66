import type { Command } from './ast.js';
import { compileExpr } from './compile.js';
import { truthy } from './functions.js';
import { EventCursor, EventRow, type Row } from './rows.js';
import { mergeSlices, type EventSlice } from '../merge.js';
import type { StoredEvent } from '../store.js';

/**
 * The first stage of a query: from the time-pruned slices to rows. Two things keep it
 * cheap over 100,000 events:
 *
 * - filters at the head of the query run during the scan on one reusable cursor, so only
 *   events that pass become rows;
 * - a plain listing (nothing but picks, `limit` and `sort @timestamp` after those filters)
 *   needs only the newest (or oldest) N matches, so only those N become rows.
 */

export interface ScanResult {
  rows: Row[];
  /** The rows are already in the default newest-first order. */
  ordered: boolean;
  /** The commands left to run on the rows. */
  rest: Command[];
  scanned: number;
  bytesScanned: number;
  /** Events that passed the fused filters (all of them, even those not materialized). */
  matched: number;
}

type FilterCommand = Extract<Command, { kind: 'filter' }>;

function picksOnly(command: Command): boolean {
  return command.kind === 'display' || (command.kind === 'fields' && command.items.every((it) => it.expr.kind === 'field' && it.expr.name === it.name));
}

/**
 * Splits off the filters that can run during the scan: those preceded only by filters,
 * `display`, and `fields` that merely pick existing fields (moving a filter ahead of those
 * changes nothing). Any other command stops the search.
 */
function splitLeadingFilters(commands: readonly Command[]): { fused: FilterCommand[]; rest: Command[] } {
  const fused: FilterCommand[] = [];
  const rest: Command[] = [];
  let open = true;
  for (const command of commands) {
    if (open && command.kind === 'filter') {
      fused.push(command);
      continue;
    }
    if (!picksOnly(command)) open = false;
    rest.push(command);
  }
  return { fused, rest };
}

interface Listing {
  /** How many events the listing can show at most. */
  size: number;
  /** Newest first (the default, or `sort @timestamp desc`) or oldest first. */
  descending: boolean;
}

/**
 * Whether `rest` is a plain listing: only picks and `limit`, plus at most one leading
 * `sort @timestamp [asc|desc]` (the order the scan can produce directly).
 */
function listingOf(rest: readonly Command[], defaultLimit: number): Listing | undefined {
  let size = Infinity;
  let descending = true;
  let first = true;
  for (const command of rest) {
    if (picksOnly(command)) continue;
    const byTime = command.kind === 'sort' && command.keys.length === 1 && command.keys[0]?.field === '@timestamp';
    if (command.kind === 'limit') size = Math.min(size, command.count);
    else if (first && byTime) descending = command.keys[0]?.descending ?? true;
    else return undefined;
    first = false;
  }
  return { size: size === Infinity ? defaultLimit : size, descending };
}

export function scanEvents(commands: readonly Command[], slices: readonly EventSlice[], listingLimit: number): ScanResult {
  const { fused, rest } = splitLeadingFilters(commands);
  const tests = fused.map((c) => compileExpr(c.predicate));
  const cursor = new EventCursor();
  const passes = (event: StoredEvent): boolean => {
    cursor.event = event;
    return tests.every((test) => truthy(test(cursor)));
  };
  const rows: Row[] = [];
  let scanned = 0;
  let bytesScanned = 0;
  for (const slice of slices) {
    scanned += slice.hi - slice.lo;
    for (let i = slice.lo; i < slice.hi; i++) bytesScanned += (slice.events[i] as StoredEvent).bytes;
  }

  const listing = listingOf(rest, listingLimit);
  if (listing !== undefined && tests.length === 0) {
    // Every event matches: walk the sorted streams from the wanted end, stop after `size`.
    for (const event of mergeSlices(slices, listing.descending)) {
      if (rows.length >= listing.size) break;
      rows.push(new EventRow(event));
    }
    return { rows, ordered: listing.descending, rest, scanned, bytesScanned, matched: scanned };
  }
  if (listing !== undefined) {
    // Filtered: collect the matching events (not rows), order them, materialize `size`.
    const hits: StoredEvent[] = [];
    for (const slice of slices) {
      for (let i = slice.lo; i < slice.hi; i++) {
        const event = slice.events[i] as StoredEvent;
        if (passes(event)) hits.push(event);
      }
    }
    const sign = listing.descending ? -1 : 1;
    // Hits arrive as sorted runs, one per stream: V8's TimSort merges those cheaply.
    hits.sort((a, b) => sign * (a.timestamp - b.timestamp || a.seq - b.seq));
    for (const event of hits.slice(0, listing.size)) rows.push(new EventRow(event));
    return { rows, ordered: listing.descending, rest, scanned, bytesScanned, matched: hits.length };
  }

  for (const slice of slices) {
    for (let i = slice.lo; i < slice.hi; i++) {
      const event = slice.events[i] as StoredEvent;
      if (passes(event)) rows.push(new EventRow(event));
    }
  }
  return { rows, ordered: false, rest, scanned, bytesScanned, matched: rows.length };
}
