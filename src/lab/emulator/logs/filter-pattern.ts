import { parseJsonMessage, type JsonValue } from './json-fields.js';
import { compileJsonPattern } from './filter-pattern-json.js';
import { compileFilterRegex, FilterPatternSyntaxError } from './filter-regex.js';

export { FilterPatternSyntaxError };

/**
 * CloudWatch Logs filter patterns, as FilterLogEvents (and metric and subscription filters)
 * use them. Supported, per "Filter pattern syntax for metric filters, subscription filters,
 * filter log events, and Live Tail":
 *
 * - empty pattern (or `""`): every event;
 * - terms: `ERROR`, `"exact phrase"`; all plain terms must occur (case-sensitive substring);
 *   `?term`: at least one of the `?` terms must occur; `-term`: none may occur;
 * - a standalone regular expression `%regex%` (parentheses are refused, as AWS refuses them);
 * - JSON patterns `{ $.field = "value" && ... }`, see filter-pattern-json.ts.
 *
 * Space-delimited patterns (`[ip, user, ...]`) are not emulated: they are refused with a
 * syntax error naming the limitation rather than matched wrongly.
 */

/** What a pattern needs of an event: its text, and its JSON parse (memoized by the caller). */
export interface MatchableEvent {
  readonly message: string;
  json(): JsonValue | undefined;
}

export type FilterPatternMatcher = (event: MatchableEvent) => boolean;

/** Compiles a filter pattern once into a matcher applied to many events. */
export function compileFilterPattern(pattern: string): FilterPatternMatcher {
  const text = pattern.trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) {
    throw new FilterPatternSyntaxError('Space-delimited filter patterns ([...]) are not supported by the emulator');
  }
  if (text.length >= 2 && text.startsWith('%') && text.endsWith('%')) {
    const re = compileFilterRegex(text.slice(1, -1));
    return (event) => re.test(event.message);
  }
  return compileTerms(text);
}

/** Convenience for one-off checks and tests: does `message` match `pattern`? */
export function matchesFilterPattern(pattern: string, message: string): boolean {
  return compileFilterPattern(pattern)({ message, json: () => parseJsonMessage(message) });
}

interface Term {
  mode: 'all' | 'any' | 'none';
  text: string;
}

function compileTerms(text: string): FilterPatternMatcher {
  const terms = splitTerms(text);
  const all = terms.filter((t) => t.mode === 'all').map((t) => t.text);
  const any = terms.filter((t) => t.mode === 'any').map((t) => t.text);
  const none = terms.filter((t) => t.mode === 'none').map((t) => t.text);
  return ({ message }) =>
    all.every((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t))) &&
    !none.some((t) => message.includes(t));
}

/** Splits `ERROR ?"a b" -c` into terms; quoted phrases keep their spaces and escapes. */
function splitTerms(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) {
      i++;
      continue;
    }
    let mode: Term['mode'] = 'all';
    if (text[i] === '?' || text[i] === '-') {
      mode = text[i] === '?' ? 'any' : 'none';
      i++;
    }
    let term = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '\\' && i + 1 < text.length) {
          term += text[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (c === '"') {
          closed = true;
          break;
        }
        term += c;
      }
      if (!closed) throw new FilterPatternSyntaxError('Unterminated quoted term in filter pattern');
      if (i < text.length && !/\s/.test(text[i] as string)) throw new FilterPatternSyntaxError(`Unexpected character after quoted term at position ${i}`);
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) term += text[i++];
    }
    if (term === '') throw new FilterPatternSyntaxError(`Empty term at position ${i}`);
    terms.push({ mode, text: term });
  }
  return terms;
}
