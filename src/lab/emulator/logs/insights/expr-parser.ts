import { malformedAt, type BinaryOp, type Expr, type MalformedQueryError } from './ast.js';
import { AGGREGATE_FUNCTIONS } from './aggregate.js';
import { SCALAR_FUNCTIONS } from './functions.js';
import type { Token } from './lexer.js';
import { durationMs } from './values.js';

/**
 * Token handling and the expression grammar shared by `fields`, `filter`, `stats ... by`
 * and friends. Precedence, lowest first: `or`, `and`, `not`, comparisons (`=` `!=` `<`
 * `<=` `>` `>=` `like` `=~` `in`), `+ -`, `* / %`, `^`, unary minus. Keywords and function
 * names are case-insensitive; field names are not.
 */
export class ExprParser {
  protected pos = 0;

  constructor(
    protected readonly source: string,
    protected readonly tokens: Token[],
  ) {}

  protected peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  protected next(): Token {
    const tok = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return tok;
  }

  /** End offset of the last consumed token, to slice an item's source text. */
  protected lastEnd(): number {
    return (this.tokens[this.pos - 1] as Token).end;
  }

  protected isWord(tok: Token, word: string): boolean {
    return tok.kind === 'ident' && !tok.quoted && tok.text.toLowerCase() === word;
  }

  protected isOp(tok: Token, text: string): boolean {
    return tok.kind === 'op' && tok.text === text;
  }

  protected unexpected(tok: Token, detail?: string): MalformedQueryError {
    const found = tok.kind === 'eof' ? 'end of query' : this.source.slice(tok.start, tok.end);
    return malformedAt(this.source, tok.start, detail ?? `unexpected symbol found ${found}`);
  }

  protected expectOp(text: string): Token {
    const tok = this.next();
    if (!this.isOp(tok, text)) throw this.unexpected(tok, `expected '${text}' but found ${tok.kind === 'eof' ? 'end of query' : this.source.slice(tok.start, tok.end)}`);
    return tok;
  }

  /** A field name: a bare identifier or a backquoted one. */
  protected fieldName(): string {
    const tok = this.next();
    if (tok.kind !== 'ident') throw this.unexpected(tok);
    return tok.text;
  }

  /** Parses a list of items separated by commas. */
  protected list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.isOp(this.peek(), ',')) {
      this.next();
      items.push(item());
    }
    return items;
  }

  expr(): Expr {
    let left = this.and();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'binary', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'binary', op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', operand: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const tok = this.peek();
    if (tok.kind === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(tok.text)) {
      this.next();
      return { kind: 'binary', op: tok.text as BinaryOp, left, right: this.additive() };
    }
    if (this.isOp(tok, '=~')) {
      this.next();
      return { kind: 'like', negated: false, operand: left, pattern: this.likePattern() };
    }
    let negated = false;
    if (this.isWord(tok, 'not') && (this.isWord(this.peek(1), 'like') || this.isWord(this.peek(1), 'in'))) {
      this.next();
      negated = true;
    }
    if (this.isWord(this.peek(), 'like')) {
      this.next();
      return { kind: 'like', negated, operand: left, pattern: this.likePattern() };
    }
    if (this.isWord(this.peek(), 'in')) {
      this.next();
      return { kind: 'in', negated, operand: left, list: this.literalList() };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp(this.peek(), '+') || this.isOp(this.peek(), '-')) {
      const op = (this.next() as { text: string }).text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.multiplicative() };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.power();
    while (['*', '/', '%'].some((op) => this.isOp(this.peek(), op))) {
      const op = (this.next() as { text: string }).text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.power() };
    }
    return left;
  }

  private power(): Expr {
    const left = this.unary();
    if (!this.isOp(this.peek(), '^')) return left;
    this.next();
    return { kind: 'binary', op: '^', left, right: this.power() };
  }

  private unary(): Expr {
    if (this.isOp(this.peek(), '-')) {
      this.next();
      return { kind: 'negate', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const tok = this.next();
    switch (tok.kind) {
      case 'number':
        return { kind: 'literal', value: tok.value };
      case 'string':
        return { kind: 'literal', value: tok.value };
      case 'ident':
        if (!tok.quoted && this.isOp(this.peek(), '(')) return this.call(tok);
        return { kind: 'field', name: tok.text };
      case 'op':
        if (tok.text === '(') {
          const inner = this.expr();
          this.expectOp(')');
          return inner;
        }
        throw this.unexpected(tok);
      default:
        throw this.unexpected(tok);
    }
  }

  private call(nameTok: Extract<Token, { kind: 'ident' }>): Expr {
    const name = nameTok.text.toLowerCase();
    const fn = SCALAR_FUNCTIONS[name];
    if (fn === undefined) {
      const detail = AGGREGATE_FUNCTIONS[name] !== undefined ? `aggregate function ${nameTok.text} can only be used in stats` : `unknown function ${nameTok.text}`;
      throw this.unexpected(nameTok, detail);
    }
    this.expectOp('(');
    const args: Expr[] = [];
    if (!this.isOp(this.peek(), ')')) {
      for (;;) {
        args.push(fn.periodArgs?.includes(args.length) ? this.period() : this.expr());
        if (!this.isOp(this.peek(), ',')) break;
        this.next();
      }
    }
    this.expectOp(')');
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      throw this.unexpected(nameTok, `wrong number of arguments for ${nameTok.text}`);
    }
    return { kind: 'call', name, args };
  }

  /** A period such as `5m` or `30s`, as bin() and datefloor() take. */
  protected period(): Expr {
    const tok = this.next();
    const ms = tok.kind === 'duration' ? durationMs(tok.amount, tok.unit) : undefined;
    if (ms === undefined) throw this.unexpected(tok, `invalid period ${this.source.slice(tok.start, tok.end)}`);
    return { kind: 'duration', ms };
  }

  private likePattern(): Expr {
    const tok = this.next();
    if (tok.kind === 'string') return { kind: 'literal', value: tok.value };
    if (tok.kind !== 'regex') throw this.unexpected(tok, 'expected a string or a /regular expression/');
    return { kind: 'regex', re: this.regex(tok) };
  }

  /** Insights regexes are RE2-flavoured: a leading `(?i)` means ignore case, `(?P<n>` names a group. */
  private regex(tok: Extract<Token, { kind: 'regex' }>): RegExp {
    let body = tok.source;
    let flags = '';
    if (body.startsWith('(?i)')) {
      body = body.slice(4);
      flags = 'i';
    }
    try {
      return new RegExp(body.replace(/\(\?P</g, '(?<'), flags);
    } catch (err) {
      throw this.unexpected(tok, `invalid regular expression: ${(err as Error).message}`);
    }
  }

  private literalList(): Expr[] {
    this.expectOp('[');
    const items = this.list((): Expr => {
      const negative = this.isOp(this.peek(), '-');
      if (negative) this.next();
      const tok = this.next();
      if (tok.kind === 'number') return { kind: 'literal', value: negative ? -tok.value : tok.value };
      if (tok.kind === 'string' && !negative) return { kind: 'literal', value: tok.value };
      throw this.unexpected(tok, 'expected a string or number in the list');
    });
    this.expectOp(']');
    return items;
  }
}
