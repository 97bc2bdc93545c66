import type { Value } from './values.js';

/** The parsed form of a Logs Insights query: a pipeline of commands. */

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export type Expr =
  | { kind: 'field'; name: string }
  | { kind: 'literal'; value: Value }
  | { kind: 'regex'; re: RegExp }
  | { kind: 'duration'; ms: number }
  | { kind: 'star' }
  | { kind: 'not'; operand: Expr }
  | { kind: 'negate'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  /** `like "text"` (substring), `like /re/` and `=~ /re/` (regex), possibly negated. */
  | { kind: 'like'; negated: boolean; operand: Expr; pattern: Expr }
  | { kind: 'in'; negated: boolean; operand: Expr; list: Expr[] }
  /** A scalar function call; `name` is lower-cased (functions are case-insensitive). */
  | { kind: 'call'; name: string; args: Expr[] };

/** An output column: an expression and the name it appears under (its alias or its text). */
export interface Projection {
  expr: Expr;
  name: string;
}

export interface Aggregation {
  /** Lower-cased aggregate function name, e.g. `count`, `pct`. */
  fn: string;
  args: Expr[];
  name: string;
}

export interface SortKey {
  field: string;
  descending: boolean;
}

export type Command =
  | { kind: 'fields'; items: Projection[] }
  | { kind: 'display'; fields: string[] }
  | { kind: 'filter'; predicate: Expr }
  | { kind: 'stats'; aggregations: Aggregation[]; groupBy: Projection[] }
  | { kind: 'sort'; keys: SortKey[] }
  | { kind: 'limit'; count: number }
  | { kind: 'dedup'; fields: string[] };

export interface Query {
  commands: Command[];
}

/**
 * A query the engine refuses, as AWS refuses it: `code` is the exception name the service
 * answers with. Messages follow AWS's "... at line L and position P" form.
 */
export class MalformedQueryError extends Error {
  readonly code = 'MalformedQueryException';
  constructor(message: string) {
    super(message);
    this.name = 'MalformedQueryError';
  }
}

/** Builds a MalformedQueryError pointing at `offset` in `source` (1-based line and column). */
export function malformedAt(source: string, offset: number, what: string): MalformedQueryError {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const position = offset - before.lastIndexOf('\n');
  return new MalformedQueryError(`${what} at line ${line} and position ${position}`);
}
