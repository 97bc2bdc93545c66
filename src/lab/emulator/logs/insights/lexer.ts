import { malformedAt } from './ast.js';

/**
 * Tokens of the Logs Insights query language. A `/` starts a regular expression where an
 * operand is expected (after `like`, `=~`, `(`, `,`, ...) and is division after an operand,
 * the same rule JavaScript lexers use. `#` starts a comment to the end of the line.
 */

export type Token =
  | { kind: 'ident'; text: string; quoted: boolean; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'duration'; amount: number; unit: string; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'regex'; source: string; start: number; end: number }
  | { kind: 'op'; text: string; start: number; end: number }
  | { kind: 'eof'; start: number; end: number };

const OPERATORS = ['=~', '==', '!=', '<=', '>=', '|', ',', '(', ')', '[', ']', '=', '<', '>', '+', '-', '*', '/', '%', '^'];
/** Words after which a `/` opens a regex rather than dividing. */
const REGEX_AFTER_WORDS = new Set(['like', 'and', 'or', 'not', 'in', 'filter', 'by', 'as', 'fields', 'display', 'stats', 'sort']);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const regexAllowed = (): boolean => {
    const prev = tokens[tokens.length - 1];
    if (prev === undefined) return true;
    if (prev.kind === 'op') return prev.text !== ')' && prev.text !== ']';
    return prev.kind === 'ident' && !prev.quoted && REGEX_AFTER_WORDS.has(prev.text.toLowerCase());
  };
  while (i < source.length) {
    const c = source[i] as string;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (/[A-Za-z_@$]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_.@$]/.test(source[i] as string)) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), quoted: false, start, end: i });
    } else if (c === '`') {
      const close = source.indexOf('`', i + 1);
      if (close < 0) throw malformedAt(source, start, 'unterminated quoted field name');
      tokens.push({ kind: 'ident', text: source.slice(i + 1, close), quoted: true, start, end: close + 1 });
      i = close + 1;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(source[i + 1] ?? ''))) {
      while (i < source.length && /[\d.]/.test(source[i] as string)) i++;
      const text = source.slice(start, i);
      if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) throw malformedAt(source, start, `unexpected symbol found ${text}`);
      if (/[A-Za-z]/.test(source[i] ?? '')) {
        const unitStart = i;
        while (i < source.length && /[A-Za-z]/.test(source[i] as string)) i++;
        tokens.push({ kind: 'duration', amount: Number(text), unit: source.slice(unitStart, i), start, end: i });
      } else {
        tokens.push({ kind: 'number', value: Number(text), start, end: i });
      }
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) {
          const next = source[i + 1] as string;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        value += source[i++];
      }
      if (i >= source.length) throw malformedAt(source, start, 'unterminated string');
      i++;
      tokens.push({ kind: 'string', value, start, end: i });
    } else if (c === '/' && regexAllowed()) {
      let body = '';
      i++;
      while (i < source.length && source[i] !== '/') {
        if (source[i] === '\\' && source[i + 1] === '/') {
          body += '/';
          i += 2;
          continue;
        }
        if (source[i] === '\\' && i + 1 < source.length) body += source[i++];
        body += source[i++];
      }
      if (i >= source.length) throw malformedAt(source, start, 'unterminated regular expression');
      i++;
      tokens.push({ kind: 'regex', source: body, start, end: i });
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (op === undefined) throw malformedAt(source, start, `unexpected symbol found ${c}`);
      tokens.push({ kind: 'op', text: op === '==' ? '=' : op, start, end: i + op.length });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', start: source.length, end: source.length });
  return tokens;
}
