import type { BinaryOp, Expr } from './ast.js';
import { SCALAR_FUNCTIONS, truthy } from './functions.js';
import type { Row } from './rows.js';
import { compareValues, Timestamp, toNumber, toText, valuesEqual, type Value } from './values.js';

/**
 * Turns an expression tree into a closure once per query, so evaluating it over 100,000
 * rows is plain function calls rather than a walk over the tree for every row. The parser
 * has already checked names, arities and where regexes and periods may appear.
 */
export type Evaluator = (row: Row) => Value | undefined;

export function compileExpr(expr: Expr): Evaluator {
  switch (expr.kind) {
    case 'field': {
      const name = expr.name;
      return (row) => row.get(name);
    }
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'not': {
      const operand = compileExpr(expr.operand);
      return (row) => !truthy(operand(row));
    }
    case 'negate': {
      const operand = compileExpr(expr.operand);
      return (row) => {
        const n = toNumber(operand(row));
        return n === undefined ? undefined : -n;
      };
    }
    case 'binary':
      return compileBinary(expr.op, compileExpr(expr.left), compileExpr(expr.right));
    case 'like':
      return compileLike(expr);
    case 'in': {
      const operand = compileExpr(expr.operand);
      const list = expr.list.map(compileExpr);
      const negated = expr.negated;
      return (row) => {
        const value = operand(row);
        if (value === undefined) return false;
        const found = list.some((item) => {
          const candidate = item(row);
          return candidate !== undefined && valuesEqual(value, candidate);
        });
        return found !== negated;
      };
    }
    case 'call':
      return compileCall(expr.name, expr.args);
    case 'regex':
    case 'duration':
    case 'star':
      // The parser only accepts these in the positions compiled elsewhere.
      throw new Error(`${expr.kind} cannot be evaluated on its own`);
  }
}

function compileBinary(op: BinaryOp, left: Evaluator, right: Evaluator): Evaluator {
  switch (op) {
    case 'and':
      return (row) => truthy(left(row)) && truthy(right(row));
    case 'or':
      return (row) => truthy(left(row)) || truthy(right(row));
    case '=':
    case '!=': {
      const wantEqual = op === '=';
      return (row) => {
        const a = left(row);
        const b = right(row);
        // A comparison with an absent field is false either way, as in Insights.
        return a !== undefined && b !== undefined && valuesEqual(a, b) === wantEqual;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const test = { '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 }[op];
      return (row) => {
        const a = left(row);
        const b = right(row);
        return a !== undefined && b !== undefined && test(compareValues(a, b));
      };
    }
    default: {
      const arith = ARITHMETIC[op];
      return (row) => {
        const a = toNumber(left(row));
        const b = toNumber(right(row));
        if (a === undefined || b === undefined) return undefined;
        const r = arith(a, b);
        return Number.isFinite(r) ? r : undefined;
      };
    }
  }
}

const ARITHMETIC: Record<'+' | '-' | '*' | '/' | '%' | '^', (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
};

function compileLike(expr: Extract<Expr, { kind: 'like' }>): Evaluator {
  const operand = compileExpr(expr.operand);
  const negated = expr.negated;
  let test: (s: string) => boolean;
  if (expr.pattern.kind === 'regex') {
    const re = expr.pattern.re;
    test = (s) => re.test(s);
  } else if (expr.pattern.kind === 'literal') {
    const needle = toText(expr.pattern.value) ?? '';
    test = (s) => s.includes(needle);
  } else {
    throw new Error('like needs a string or a regular expression');
  }
  return (row) => {
    const s = toText(operand(row));
    return s !== undefined && test(s) !== negated;
  };
}

function compileCall(name: string, args: Expr[]): Evaluator {
  if (name === 'bin') {
    const period = periodOf(args[0]);
    return (row) => {
      const ms = row.time();
      return ms === undefined ? undefined : new Timestamp(Math.floor(ms / period) * period);
    };
  }
  if (name === 'datefloor' || name === 'dateceil') {
    const time = compileExpr(args[0] as Expr);
    const period = periodOf(args[1]);
    return name === 'datefloor' ? (row) => floorTime(time(row), period) : (row) => ceilTime(time(row), period);
  }
  const fn = SCALAR_FUNCTIONS[name];
  if (fn?.apply === undefined) throw new Error(`unknown function ${name}`);
  const apply = fn.apply;
  const compiled = args.map(compileExpr);
  return (row) => apply(compiled.map((arg) => arg(row)));
}

function periodOf(expr: Expr | undefined): number {
  if (expr?.kind !== 'duration') throw new Error('expected a period');
  return expr.ms;
}

function floorTime(value: Value | undefined, period: number): Value | undefined {
  const ms = toNumber(value);
  return ms === undefined ? undefined : new Timestamp(Math.floor(ms / period) * period);
}

function ceilTime(value: Value | undefined, period: number): Value | undefined {
  const ms = toNumber(value);
  return ms === undefined ? undefined : new Timestamp(Math.ceil(ms / period) * period);
}
