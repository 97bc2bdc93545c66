import type { Command, Query, SortKey } from './ast.js';
import { compileAggregation } from './aggregate.js';
import { compileExpr, type Evaluator } from './compile.js';
import { truthy } from './functions.js';
import { MAX_QUERY_LIMIT } from './parser.js';
import { PlainRow, pointerOf, type Row } from './rows.js';
import { scanEvents } from './scan.js';
import { compareOrderKeys, orderKeyOf, renderValue, Timestamp, type OrderKey, type Value } from './values.js';
import type { EventSlice } from '../merge.js';
import type { StoredEvent } from '../store.js';

/**
 * Runs a parsed query over the events of the slices (already pruned to the query's time
 * range). Commands run in order over rows. As in Insights, a query without `sort` sees
 * events newest first (`@timestamp desc`) wherever order matters (dedup, limit, output),
 * and a non-stats query returns at most 1000 rows unless it says otherwise.
 */

export interface ResultField {
  field: string;
  value: string;
}

export interface QueryStatistics {
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

export interface QueryOutput {
  results: ResultField[][];
  statistics: QueryStatistics;
}

/** Rows returned by a query without `limit`: Insights' default for event listings. */
export const DEFAULT_EVENT_LIMIT = 1000;

export interface RunOptions {
  /** StartQuery's `limit`: caps the rows returned, like a trailing `limit` command. */
  limit?: number;
}

interface State {
  rows: Row[];
  aggregated: boolean;
  ordered: boolean;
  /** Columns named by `fields`/`stats` (in order), or undefined to show every field. */
  columns: string[] | undefined;
  display: string[] | undefined;
  matched: number;
  limited: boolean;
  /** Names `fields` computed (these shadow an event's own fields). */
  computed: Set<string>;
}

export function runQuery(query: Query, slices: readonly EventSlice[], options: RunOptions = {}): QueryOutput {
  const listingLimit = Math.min(options.limit ?? DEFAULT_EVENT_LIMIT, MAX_QUERY_LIMIT);
  const scan = scanEvents(query.commands, slices, listingLimit);
  const state: State = {
    rows: scan.rows,
    aggregated: false,
    ordered: scan.ordered,
    columns: undefined,
    display: undefined,
    matched: scan.matched,
    limited: false,
    computed: new Set(),
  };
  for (const command of scan.rest) apply(state, command);

  ensureOrder(state);
  const cap = options.limit ?? (state.limited || state.aggregated ? MAX_QUERY_LIMIT : DEFAULT_EVENT_LIMIT);
  const finalRows = state.rows.slice(0, Math.min(cap, MAX_QUERY_LIMIT));
  return {
    results: finalRows.map((row) => render(row, state.display ?? state.columns)),
    statistics: { recordsMatched: state.matched, recordsScanned: scan.scanned, bytesScanned: scan.bytesScanned },
  };
}

function apply(state: State, command: Command): void {
  switch (command.kind) {
    case 'fields': {
      const computed = command.items.filter((item) => !(item.expr.kind === 'field' && item.expr.name === item.name));
      if (computed.length > 0) {
        const evaluators = computed.map((item) => [item.name, compileExpr(item.expr)] as const);
        state.rows = state.rows.map((row) => row.with(new Map(evaluators.map(([name, evaluate]) => [name, evaluate(row)]))));
        for (const [name] of evaluators) state.computed.add(name);
      }
      state.columns = unique([...(state.columns ?? []), ...command.items.map((item) => item.name)]);
      return;
    }
    case 'display':
      state.display = command.fields;
      return;
    case 'filter': {
      const predicate = compileExpr(command.predicate);
      state.rows = state.rows.filter((row) => truthy(predicate(row)));
      if (!state.aggregated) state.matched = state.rows.length;
      return;
    }
    case 'stats':
      stats(state, command);
      return;
    case 'sort':
      sortRows(state, command.keys);
      return;
    case 'limit':
      ensureOrder(state);
      state.rows = state.rows.slice(0, command.count);
      state.limited = true;
      return;
    case 'dedup': {
      ensureOrder(state);
      const seen = new Set<string>();
      state.rows = state.rows.filter((row) => {
        const values = command.fields.map((f) => row.get(f));
        // Rows with a null in any dedup field are never duplicates, as in Insights.
        if (values.some((v) => v === undefined)) return true;
        const key = JSON.stringify(values.map((v) => renderValue(v as Value)));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return;
    }
  }
}

/** Applies the implicit `sort @timestamp desc` to event rows not sorted explicitly. */
function ensureOrder(state: State): void {
  if (state.ordered || state.aggregated) return;
  state.rows.sort((a, b) => {
    const x = a.event as StoredEvent;
    const y = b.event as StoredEvent;
    return y.timestamp - x.timestamp || y.seq - x.seq;
  });
  state.ordered = true;
}

function sortRows(state: State, keys: SortKey[]): void {
  const only = keys[0];
  if (keys.length === 1 && only?.field === '@timestamp' && !state.aggregated && !state.computed.has('@timestamp')) {
    // The common `sort @timestamp desc`: compare the events' own times, no value building.
    const sign = only.descending ? -1 : 1;
    state.rows.sort((a, b) => {
      const x = a.event as StoredEvent;
      const y = b.event as StoredEvent;
      return sign * (x.timestamp - y.timestamp || x.seq - y.seq);
    });
    state.ordered = true;
    return;
  }
  // Ties keep the default newest-first order, so results do not depend on stream layout.
  ensureOrder(state);
  // Decorate once, so a sort of n rows reads each row's values once instead of n log n times.
  const decorated = state.rows.map((row) => ({ row, keys: keys.map((k) => orderKeyOf(row.get(k.field))) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareOrderKeys(a.keys[i] as OrderKey, b.keys[i] as OrderKey, (keys[i] as SortKey).descending);
      if (c !== 0) return c;
    }
    return 0;
  });
  state.rows = decorated.map((d) => d.row);
  state.ordered = true;
}

/** A group key part: type-tagged so that 1 and "1" stay apart, without rendering values. */
function keyPart(value: Value | undefined): string {
  if (value === undefined) return '\u0000\u0001';
  if (value instanceof Timestamp) return `t${value.ms}\u0001`;
  return `${typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'b'}${String(value)}\u0001`;
}

function stats(state: State, command: Extract<Command, { kind: 'stats' }>): void {
  const groupEvaluators = command.groupBy.map((g) => compileExpr(g.expr));
  const factories = command.aggregations.map(compileAggregation);
  const groups = new Map<string, { keys: (Value | undefined)[]; accumulators: ReturnType<(typeof factories)[number]>[] }>();
  const scratch: (Value | undefined)[] = new Array(groupEvaluators.length);
  for (const row of state.rows) {
    let id = '';
    for (let i = 0; i < groupEvaluators.length; i++) {
      const key = (groupEvaluators[i] as Evaluator)(row);
      scratch[i] = key;
      id += keyPart(key);
    }
    let group = groups.get(id);
    if (group === undefined) {
      group = { keys: scratch.slice(), accumulators: factories.map((make) => make()) };
      groups.set(id, group);
    }
    for (const acc of group.accumulators) acc.add(row);
  }
  // Insights gives no order to stats output; the emulator orders groups by their keys
  // (so bin() series run oldest first) to keep results deterministic.
  const ordered = [...groups.values()]
    .map((group) => ({ group, order: group.keys.map(orderKeyOf) }))
    .sort((a, b) => {
      for (let i = 0; i < a.order.length; i++) {
        const c = compareOrderKeys(a.order[i] as OrderKey, b.order[i] as OrderKey);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map(({ group }) => group);
  const names = [...command.groupBy.map((g) => g.name), ...command.aggregations.map((a) => a.name)];
  state.rows = ordered.map((group) => {
    const values: (Value | undefined)[] = [...group.keys, ...group.accumulators.map((acc) => acc.result())];
    return new PlainRow(new Map(names.map((name, i) => [name, values[i]])));
  });
  state.aggregated = true;
  state.ordered = true;
  state.columns = unique(names);
  state.display = undefined;
}

function render(row: Row, columns: string[] | undefined): ResultField[] {
  const names = columns ?? row.names();
  const out: ResultField[] = [];
  for (const field of names) {
    const value = row.get(field);
    if (value !== undefined) out.push({ field, value: renderValue(value) });
  }
  // Event rows always carry @ptr, the handle GetLogRecord takes.
  if (row.event !== undefined && !names.includes('@ptr')) out.push({ field: '@ptr', value: pointerOf(row.event) });
  return out;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
