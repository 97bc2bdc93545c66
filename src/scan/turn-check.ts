import { isPlainTurn } from '../core/turn.js';

export { isPlainTurn };

/**
 * True when a stored entry, as ioredis decodes it to a string, is JSON of a turn (see
 * {@link isPlainTurn}). Decoding replaces bytes that are not UTF-8 with U+FFFD, so any
 * U+FFFD sends the session to the core, which reads the bytes themselves (`not_utf8`); a
 * turn that really contains U+FFFD only costs that second look. Strings rather than
 * Buffers: one allocation less per entry, which is most of a scan's garbage.
 */
export function textIsPlainTurn(text: string): boolean {
  if (text.indexOf('\uFFFD') !== -1) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return isPlainTurn(value);
}
