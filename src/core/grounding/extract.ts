/**
 * Finds the manga titles a response names. The seed looked for words like "price" and "in
 * stock" and flagged the whole response when no search succeeded; that flags honest apologies
 * and misses a fabricated title that comes without a price. Here the titles themselves are
 * found, so each can be checked against the tool results and the catalog:
 *
 * - 『…』 is the Japanese mark for the title of a work: always a title;
 * - 「…」, **…** and "…" quote titles but also speech and emphasis, so their content must
 *   look like a title, and when it is not in the catalog it only counts as a fabricated
 *   title with something around it saying it is one (a volume, "manga", おすすめ, a list item);
 * - a catalog title written plainly ("Chainsaw Man is back in stock") is found verbatim,
 *   ignoring width, case and punctuation, and on word boundaries for Latin titles.
 */
import { isLatinWordChar, normalizeTitle, normalizeWithOffsets } from './normalize.js';
import { splitVolume, volumeAt } from './volumes.js';

export type MentionSource = 'double-angle' | 'corner' | 'bold' | 'quoted' | 'catalog-verbatim';

export interface TitleMention {
  /** The title as written (without its volume). */
  title: string;
  /** Its comparison key ({@link normalizeTitle}). */
  key: string;
  volume?: number;
  source: MentionSource;
  /** 'high': certainly meant as a title; 'low': a title only if the catalog knows it. */
  confidence: 'high' | 'low';
  /** Span in the response. */
  start: number;
  end: number;
}

const QUOTES: { source: Exclude<MentionSource, 'catalog-verbatim'>; re: RegExp }[] = [
  { source: 'double-angle', re: /『([^』\n]{1,80})』/g },
  { source: 'corner', re: /「([^」\n]{1,80})」/g },
  { source: 'bold', re: /\*\*([^*\n]{1,80})\*\*/g },
  { source: 'quoted', re: /"([^"\n]{1,80})"|“([^”\n]{1,80})”/g },
];

// Words that say "a title is being named here", within the same line.
const TITLE_CUES = /manga|series|volume|\bvol\b|\btitles?\b|\bauthor\b|\bby [A-Z]|recommend|check out|you might (?:also )?like|漫画|マンガ|まんが|作品|シリーズ|巻|作者|著|おすすめ|オススメ|コミック|新刊|最新刊/i;
const CUE_WINDOW = 40;
const LIST_ITEM_START = /(?:^|\n)\s*(?:[-*•・]|\d+[.)、])\s*$/;
const MINOR_WORDS = new Set(['a', 'an', 'the', 'of', 'on', 'in', 'and', 'to', 'for', 'no', 'with', 'at', 'by', 'from', 'or', 'de', 'wa', 'ga', 'x', 'vs']);

/** Does quoted text look like a title rather than speech or emphasis? */
export function looksLikeTitle(text: string): boolean {
  const t = text.normalize('NFKC').trim();
  if (t === '' || normalizeTitle(t) === '' || /^\d+$/.test(t)) return false;
  if (/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(t)) {
    return [...t].length <= 30 && !/[。、？]/.test(t);
  }
  const words = t.split(/\s+/);
  if (words.length > 8 || /[.,;:?]$/.test(t)) return false;
  return words.every((w, i) => /^[\p{Lu}\d]/u.test(w) || (i > 0 && MINOR_WORDS.has(w.toLowerCase())));
}

function lineAround(text: string, start: number, end: number): string {
  const from = Math.max(0, text.lastIndexOf('\n', start - 1) + 1, start - CUE_WINDOW);
  const nl = text.indexOf('\n', end);
  const to = Math.min(nl === -1 ? text.length : nl, end + CUE_WINDOW);
  return text.slice(from, start) + ' ' + text.slice(end, to);
}

function mention(text: string, raw: string, source: MentionSource, start: number, end: number, knownSeries: ReadonlySet<string>): TitleMention | undefined {
  // A series whose name ends in a number ("Mob Psycho 100", "Kaiju No. 8") is not that
  // volume of a shorter title: when the catalog knows the whole name, it stays whole and
  // the volume is what follows it ("「Mob Psycho 100」の第2巻").
  const inner = knownSeries.has(normalizeTitle(raw)) ? { series: raw.trim() } : splitVolume(raw);
  const volume = inner.volume ?? volumeAt(text.slice(end));
  const key = normalizeTitle(inner.series);
  if (key === '') return undefined;
  let confidence: 'high' | 'low' = 'high';
  if (source !== 'double-angle' && source !== 'catalog-verbatim') {
    if (!looksLikeTitle(inner.series)) return undefined;
    const cued = volume !== undefined || TITLE_CUES.test(lineAround(text, start, end)) || LIST_ITEM_START.test(text.slice(0, start));
    confidence = cued ? 'high' : 'low';
  }
  return { title: inner.series, key, ...(volume !== undefined ? { volume } : {}), source, confidence, start, end };
}

/**
 * The titles `text` names, in order of appearance. `catalogTitles` are the titles to find
 * verbatim (the catalog's series names); quoted titles are found whether known or not.
 */
export function extractTitleMentions(text: string, catalogTitles: Iterable<string> = []): TitleMention[] {
  const titles = [...catalogTitles];
  const knownSeries = new Set(titles.map(normalizeTitle));
  const found: TitleMention[] = [];
  for (const { source, re } of QUOTES) {
    for (const m of text.matchAll(re)) {
      const raw = m[1] ?? m[2] ?? '';
      const start = m.index;
      const hit = mention(text, raw, source, start, start + m[0].length, knownSeries);
      if (hit && !found.some((f) => f.start < hit.end && hit.start < f.end)) found.push(hit);
    }
  }
  const norm = normalizeWithOffsets(text);
  const seen = new Set<string>();
  for (const title of titles) {
    const key = normalizeTitle(title);
    // One- or two-letter keys ("NANA" is four) would match inside ordinary words.
    if (key.length < 2 || seen.has(key)) continue;
    seen.add(key);
    for (let at = norm.text.indexOf(key); at !== -1; at = norm.text.indexOf(key, at + 1)) {
      const start = norm.start[at] ?? 0;
      const end = norm.end[at + key.length - 1] ?? start;
      if (found.some((f) => f.start < end && start < f.end)) continue;
      // A Latin title must be a whole word: "Naruto" is not in "Narutomaki".
      if ((isLatinWordChar(text[start]) && isLatinWordChar(text[start - 1])) || (isLatinWordChar(text[end - 1]) && isLatinWordChar(text[end]))) continue;
      const hit = mention(text, text.slice(start, end), 'catalog-verbatim', start, end, knownSeries);
      if (hit) found.push(hit);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
