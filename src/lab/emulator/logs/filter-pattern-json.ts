import type { JsonValue } from './json-fields.js';
import type { FilterPatternMatcher } from './filter-pattern.js';
import { compileFilterRegex, FilterPatternSyntaxError } from './filter-regex.js';

/**
 * JSON filter patterns: `{ $.event = "route" && ($.confidence < 0.7 || $.agent NOT EXISTS) }`.
 *
 * Selectors: `$.a.b`, `$.a[0]`, `$.list[1].id`. Conditions:
 * - `=` / `!=` with a quoted or bare string (`*` is a wildcard) compare string values;
 * - `=` `!=` `<` `<=` `>` `>=` with a number compare number values;
 * - `=` / `!=` with `%regex%` test string values;
 * - `IS TRUE`, `IS FALSE`, `IS NULL`, `NOT EXISTS`.
 * `&&` binds tighter than `||`; parentheses group. A comparison needs its selector to exist
 * (a missing field matches neither `=` nor `!=`; ask for it with NOT EXISTS), and an event
 * whose message is not JSON never matches.
 */

type Step = string | number;
type Literal = { type: 'string'; test: (s: string) => boolean } | { type: 'number'; value: number } | { type: 'regex'; re: RegExp };
type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; path: Step[]; op: CompareOp; literal: Literal }
  | { kind: 'is'; path: Step[]; expect: true | false | null }
  | { kind: 'notExists'; path: Step[] };

type Token =
  | { t: '(' | ')' | '{' | '}' | '&&' | '||'; pos: number }
  | { t: 'op'; op: CompareOp; pos: number }
  | { t: 'selector'; path: Step[]; pos: number }
  | { t: 'string'; value: string; pos: number }
  | { t: 'regex'; source: string; pos: number }
  | { t: 'word'; value: string; pos: number };

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const WORD_STOP = /[\s(){}&|=!<>"%]/;

export function compileJsonPattern(text: string): FilterPatternMatcher {
  const tokens = lex(text);
  const parser = new Parser(tokens, text);
  const root = parser.parse();
  return (event) => {
    const doc = event.json();
    return doc !== undefined && evaluate(root, doc);
  };
}

function fail(message: string, pos: number): never {
  throw new FilterPatternSyntaxError(`Invalid JSON filter pattern: ${message} at position ${pos}`);
}

function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const pos = i;
    if (/\s/.test(c)) {
      i++;
    } else if ('(){}'.includes(c)) {
      out.push({ t: c as '(' | ')' | '{' | '}', pos });
      i++;
    } else if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      out.push({ t: text.slice(i, i + 2) as '&&' | '||', pos });
      i += 2;
    } else if (c === '!' || c === '=' || c === '<' || c === '>') {
      const two = text.slice(i, i + 2);
      const op = (['!=', '<=', '>='].includes(two) ? two : c) as CompareOp | '!';
      if (op === '!') fail("expected '!='", pos);
      out.push({ t: 'op', op, pos });
      i += op.length;
    } else if (c === '$') {
      const [path, end] = lexSelector(text, i);
      out.push({ t: 'selector', path, pos });
      i = end;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) fail('unterminated string', pos);
      i++;
      out.push({ t: 'string', value, pos });
    } else if (c === '%') {
      const end = text.indexOf('%', i + 1);
      if (end < 0) fail('unterminated regular expression', pos);
      out.push({ t: 'regex', source: text.slice(i + 1, end), pos });
      i = end + 1;
    } else {
      let value = '';
      while (i < text.length && !WORD_STOP.test(text[i] as string)) value += text[i++];
      if (value === '') fail(`unexpected '${c}'`, pos);
      out.push({ t: 'word', value, pos });
    }
  }
  return out;
}

/** `$.a.b[0].c` -> ['a', 'b', 0, 'c']; keys stop at whitespace, operators and brackets. */
function lexSelector(text: string, start: number): [Step[], number] {
  const path: Step[] = [];
  let i = start + 1;
  for (;;) {
    if (text[i] === '.') {
      let key = '';
      i++;
      while (i < text.length && !/[\s.[\](){}&|=!<>"]/.test(text[i] as string)) key += text[i++];
      if (key === '') fail('empty key in selector', i);
      path.push(key);
    } else if (text[i] === '[') {
      const close = text.indexOf(']', i);
      const index = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^\d+$/.test(index)) fail('array index must be a non-negative integer', i);
      path.push(Number(index));
      i = close + 1;
    } else {
      break;
    }
  }
  if (path.length === 0) fail("selector must start with '$.' or '$['", start);
  return [path, i];
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): Node {
    this.expect('{');
    const node = this.or();
    this.expect('}');
    const extra = this.tokens[this.i];
    if (extra !== undefined) fail('unexpected text after closing brace', extra.pos);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private expect(t: Token['t']): Token {
    const tok = this.tokens[this.i];
    if (tok?.t !== t) fail(`expected '${t}'`, tok?.pos ?? this.text.length);
    this.i++;
    return tok;
  }

  private or(): Node {
    let left = this.and();
    while (this.peek()?.t === '||') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.peek()?.t === '&&') {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.peek()?.t === '(') {
      this.i++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const sel = this.expect('selector') as Extract<Token, { t: 'selector' }>;
    const next = this.peek();
    if (next?.t === 'word' && next.value.toUpperCase() === 'IS') {
      this.i++;
      const what = this.expect('word') as Extract<Token, { t: 'word' }>;
      const expect = { TRUE: true, FALSE: false, NULL: null }[what.value.toUpperCase()];
      if (expect === undefined) fail('expected TRUE, FALSE or NULL after IS', what.pos);
      return { kind: 'is', path: sel.path, expect };
    }
    if (next?.t === 'word' && next.value.toUpperCase() === 'NOT') {
      this.i++;
      const what = this.expect('word') as Extract<Token, { t: 'word' }>;
      if (what.value.toUpperCase() !== 'EXISTS') fail('expected EXISTS after NOT', what.pos);
      return { kind: 'notExists', path: sel.path };
    }
    const op = this.expect('op') as Extract<Token, { t: 'op' }>;
    return { kind: 'compare', path: sel.path, op: op.op, literal: this.literal(op) };
  }

  private literal(op: Extract<Token, { t: 'op' }>): Literal {
    const tok = this.tokens[this.i++];
    const equality = op.op === '=' || op.op === '!=';
    if (tok?.t === 'word' && NUMBER.test(tok.value)) return { type: 'number', value: Number(tok.value) };
    if (!equality) fail(`'${op.op}' needs a number`, tok?.pos ?? op.pos);
    if (tok?.t === 'string' || tok?.t === 'word') return { type: 'string', test: wildcard(tok.value) };
    if (tok?.t === 'regex') {
      try {
        return { type: 'regex', re: compileFilterRegex(tok.source) };
      } catch (err) {
        fail((err as Error).message, tok.pos);
      }
    }
    fail('expected a value', tok?.pos ?? this.text.length);
  }
}

/** A string test: exact match, or a glob where `*` matches any run of characters. */
function wildcard(value: string): (s: string) => boolean {
  if (!value.includes('*')) return (s) => s === value;
  const source = value.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (s) => re.test(s);
}

const MISSING = Symbol('missing');

function resolve(doc: JsonValue, path: Step[]): JsonValue | typeof MISSING {
  let cur: JsonValue = doc;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return MISSING;
      cur = cur[step] as JsonValue;
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, step)) return MISSING;
      cur = cur[step] as JsonValue;
    }
  }
  return cur;
}

function evaluate(node: Node, doc: JsonValue): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, doc) && evaluate(node.right, doc);
    case 'or':
      return evaluate(node.left, doc) || evaluate(node.right, doc);
    case 'notExists':
      return resolve(doc, node.path) === MISSING;
    case 'is': {
      const value = resolve(doc, node.path);
      return value !== MISSING && value === node.expect;
    }
    case 'compare': {
      const value = resolve(doc, node.path);
      if (value === MISSING || value === null) return false;
      const equal = literalEquals(node.literal, value);
      if (node.op === '=') return equal;
      if (node.op === '!=') return !equal;
      if (node.literal.type !== 'number' || typeof value !== 'number') return false;
      const n = node.literal.value;
      return node.op === '<' ? value < n : node.op === '<=' ? value <= n : node.op === '>' ? value > n : value >= n;
    }
  }
}

function literalEquals(literal: Literal, value: JsonValue): boolean {
  if (literal.type === 'number') return typeof value === 'number' && value === literal.value;
  if (typeof value !== 'string') return false;
  return literal.type === 'regex' ? literal.re.test(value) : literal.test(value);
}
