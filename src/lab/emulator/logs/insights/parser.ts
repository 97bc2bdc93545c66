import { malformedAt, type Aggregation, type Command, type Expr, type Projection, type Query, type SortKey } from './ast.js';
import { AGGREGATE_FUNCTIONS } from './aggregate.js';
import { ExprParser } from './expr-parser.js';
import { tokenize } from './lexer.js';

/**
 * Parses the supported subset of the Logs Insights query language:
 *
 *   fields <expr> [as name], ...        display <field>, ...
 *   filter <boolean expr>               sort <field> [asc|desc], ...
 *   stats <agg>(...) [as name], ... [by <expr> [as name], ...]
 *   limit <1..10000>                    dedup <field>, ...
 *
 * separated by `|`. Anything else (parse, unnest, pattern, diff, SOURCE, ...) is refused
 * with MalformedQueryError, as the real service refuses what it cannot parse.
 */
export const MAX_QUERY_LIMIT = 10_000;

export function parseQuery(source: string): Query {
  return new QueryParser(source).parse();
}

class QueryParser extends ExprParser {
  constructor(source: string) {
    super(source, tokenize(source));
  }

  parse(): Query {
    if (this.peek().kind === 'eof') throw malformedAt(this.source, 0, 'empty query');
    const commands: Command[] = [];
    const starts: number[] = [];
    for (;;) {
      starts.push(this.peek().start);
      commands.push(this.command());
      const tok = this.next();
      if (tok.kind === 'eof') break;
      if (!this.isOp(tok, '|')) throw this.unexpected(tok);
    }
    // Insights allows only `limit` after `dedup`.
    const dedupAt = commands.findIndex((c) => c.kind === 'dedup');
    if (dedupAt >= 0) {
      const offending = commands.findIndex((c, i) => i > dedupAt && c.kind !== 'limit');
      if (offending >= 0) throw malformedAt(this.source, starts[offending] as number, 'only limit can follow dedup');
    }
    return { commands };
  }

  private command(): Command {
    const tok = this.next();
    if (tok.kind !== 'ident' || tok.quoted) throw this.unexpected(tok);
    switch (tok.text.toLowerCase()) {
      case 'fields':
        return { kind: 'fields', items: this.list(() => this.projection()) };
      case 'display':
        return { kind: 'display', fields: this.list(() => this.fieldName()) };
      case 'filter':
        return { kind: 'filter', predicate: this.expr() };
      case 'stats':
        return this.stats();
      case 'sort':
        return { kind: 'sort', keys: this.list(() => this.sortKey()) };
      case 'limit':
        return { kind: 'limit', count: this.limitCount() };
      case 'dedup':
        return { kind: 'dedup', fields: this.list(() => this.fieldName()) };
      default:
        throw this.unexpected(tok);
    }
  }

  /** `<expr> [as name]`; the column is named by its alias, its field, or its source text. */
  private projection(): Projection {
    const start = this.peek().start;
    const expr = this.expr();
    const text = this.source.slice(start, this.lastEnd());
    return { expr, name: this.alias() ?? (expr.kind === 'field' ? expr.name : text) };
  }

  private alias(): string | undefined {
    if (!this.isWord(this.peek(), 'as')) return undefined;
    this.next();
    return this.fieldName();
  }

  private stats(): Command {
    const aggregations = this.list(() => this.aggregation());
    let groupBy: Projection[] = [];
    if (this.isWord(this.peek(), 'by')) {
      this.next();
      groupBy = this.list(() => this.projection());
    }
    return { kind: 'stats', aggregations, groupBy };
  }

  private aggregation(): Aggregation {
    const nameTok = this.next();
    if (nameTok.kind !== 'ident' || nameTok.quoted || !this.isOp(this.peek(), '(')) {
      throw this.unexpected(nameTok, 'stats needs an aggregate function such as count(*)');
    }
    const fn = nameTok.text.toLowerCase();
    const spec = AGGREGATE_FUNCTIONS[fn];
    if (spec === undefined) throw this.unexpected(nameTok, `${nameTok.text} is not an aggregate function`);
    this.expectOp('(');
    const args: Expr[] = [];
    if (spec.star && this.isOp(this.peek(), '*')) {
      this.next();
      args.push({ kind: 'star' });
    } else if (!this.isOp(this.peek(), ')')) {
      args.push(...this.list(() => this.expr()));
    }
    this.expectOp(')');
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      throw this.unexpected(nameTok, `wrong number of arguments for ${nameTok.text}`);
    }
    const percent = args[1];
    if (spec.percentArg && !(percent?.kind === 'literal' && typeof percent.value === 'number' && percent.value >= 0 && percent.value <= 100)) {
      throw this.unexpected(nameTok, `${nameTok.text} needs a percentile between 0 and 100`);
    }
    const text = this.source.slice(nameTok.start, this.lastEnd());
    return { fn, args, name: this.alias() ?? text };
  }

  /**
   * `field [asc|desc]`; an aggregate's column may be named by its text, e.g.
   * `sort count(*) desc`. Ascending unless told otherwise.
   */
  private sortKey(): SortKey {
    const tok = this.peek();
    let field: string;
    if (tok.kind === 'ident' && !tok.quoted && this.isOp(this.peek(1), '(')) {
      this.next();
      let depth = 0;
      do {
        const t = this.next();
        if (t.kind === 'eof') throw this.unexpected(t);
        if (this.isOp(t, '(')) depth++;
        if (this.isOp(t, ')')) depth--;
      } while (depth > 0);
      field = this.source.slice(tok.start, this.lastEnd());
    } else {
      field = this.fieldName();
    }
    let descending = false;
    if (this.isWord(this.peek(), 'desc') || this.isWord(this.peek(), 'asc')) {
      descending = this.isWord(this.next(), 'desc');
    }
    return { field, descending };
  }

  private limitCount(): number {
    const tok = this.next();
    if (tok.kind !== 'number' || !Number.isInteger(tok.value) || tok.value < 1 || tok.value > MAX_QUERY_LIMIT) {
      throw this.unexpected(tok, `limit must be an integer between 1 and ${MAX_QUERY_LIMIT}`);
    }
    return tok.value;
  }
}
