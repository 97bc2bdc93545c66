/**
 * Title normalization for grounding checks. A model writes 『ＯＮＥ　ＰＩＥＣＥ』, "One Piece"
 * or ﾜﾝﾋﾟｰｽ for what the catalog stores as "ONE PIECE" and ワンピース; the comparison must
 * not care about width, case, spacing or punctuation, only about the letters.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// Spaces, punctuation (quotes and brackets included) and symbols carry no identity in a title.
const NOISE = /[\s\p{P}\p{S}]/gu;

/**
 * The comparison key of a title: NFKC (full-width Latin and digits to half-width, half-width
 * katakana to full-width), lower case, without spaces, punctuation or symbols.
 *
 * @example normalizeTitle('ＯＮＥ　ＰＩＥＣＥ') === normalizeTitle('One Piece') // 'onepiece'
 */
export function normalizeTitle(title: string): string {
  return title.normalize('NFKC').toLowerCase().replace(NOISE, '');
}

/** A normalized text with, for each of its UTF-16 units, the span of the original text it came from. */
export interface NormalizedText {
  text: string;
  /** Original start index of the grapheme each normalized unit came from. */
  start: number[];
  /** Original end index (exclusive) of that grapheme. */
  end: number[];
}

/**
 * Normalizes `text` grapheme by grapheme (so a half-width ﾊﾟ stays one unit with its sound
 * mark) and keeps the way back to the original, so that a title found in the normalized text
 * can be shown, and its neighbourhood examined, in the original.
 */
export function normalizeWithOffsets(text: string): NormalizedText {
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  for (const { segment, index } of graphemes.segment(text)) {
    const n = normalizeTitle(segment);
    for (let i = 0; i < n.length; i++) {
      start.push(index);
      end.push(index + segment.length);
    }
    out += n;
  }
  return { text: out, start, end };
}

/** True for a Latin letter or digit: where a Latin title must not continue for a match to be a word. */
export function isLatinWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /^[\p{Script=Latin}0-9]$/u.test(ch.normalize('NFKC'));
}

/** True when the text contains kana or kanji (the response, or a title, is Japanese). */
export function hasJapanese(text: string): boolean {
  return /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(text);
}
