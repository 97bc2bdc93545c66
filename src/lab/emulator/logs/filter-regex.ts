/** Pieces shared by the term and JSON forms of filter patterns. */

/** A pattern the emulator cannot parse; the service answers it with InvalidParameterException. */
export class FilterPatternSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterPatternSyntaxError';
  }
}

/**
 * Filter-pattern regexes: AWS allows no parentheses (no sub-patterns) and no multi-byte
 * characters; everything else is compiled as a JavaScript regular expression.
 */
export function compileFilterRegex(source: string): RegExp {
  if (source === '') throw new FilterPatternSyntaxError('Empty regular expression');
  if (/[()]/.test(source)) throw new FilterPatternSyntaxError('Parentheses are not supported in filter pattern regular expressions');
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(source)) throw new FilterPatternSyntaxError('Multi-byte characters are not supported in filter pattern regular expressions');
  try {
    return new RegExp(source);
  } catch (err) {
    throw new FilterPatternSyntaxError(`Invalid regular expression: ${(err as Error).message}`);
  }
}
