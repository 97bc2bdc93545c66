/**
 * The post-generation grounding check (scenario 3): every title a response names must come
 * from this turn's tool results, or at least exist in the catalog.
 *
 * - a title the catalog does not have (or a volume it does not have) is a fabrication: the
 *   response is replaced with {@link FALLBACK_RESPONSE};
 * - a real catalog title that this turn's tools did not return, while a grounding tool
 *   failed, came from the model's memory, not from this turn's data: flagged for review
 *   (its price or stock may be stale even though the title exists);
 * - prices or stock claims made while a grounding tool failed and no tool answered at all
 *   are flagged the same way.
 */
import { extractTitleMentions, type MentionSource } from './extract.js';
import { hasJapanese, normalizeTitle } from './normalize.js';
import { GROUNDING_REQUIRED_TOOLS } from './observation.js';
import { toCatalog, type Catalog, type CatalogEntry, type TitleQuery } from './title-index.js';
import { splitVolume } from './volumes.js';

/** What replaces a response that names titles the catalog does not have. */
export const FALLBACK_RESPONSE =
  "I'm having trouble searching our catalog right now, so I can't confirm titles, prices or stock. Please try again in a moment.";
export const FALLBACK_RESPONSE_JA =
  'ただいまカタログの検索がうまくいかないため、作品名・価格・在庫を確認できません。少し時間をおいてもう一度お試しください。';

/** The fallback in the language of the response it replaces. */
export function fallbackResponseFor(responseText: string): string {
  return hasJapanese(responseText) ? FALLBACK_RESPONSE_JA : FALLBACK_RESPONSE;
}

export type TitleStatus = 'in_tool_results' | 'in_catalog_only' | 'unknown';
export type GroundingAction = 'PASS' | 'REPLACE_WITH_FALLBACK' | 'FLAG_FOR_REVIEW';

export interface CheckedTitle {
  /** As written in the response, with its volume when one was named. */
  title: string;
  volume?: number;
  status: TitleStatus;
  source: MentionSource;
  /** The catalog product, when the catalog has it. */
  productId?: string;
  /** Why the title is ungrounded, when it is. */
  reason?: string;
}

export interface GroundingInput {
  responseText: string;
  /** Outputs of this turn's tool calls that succeeded. */
  toolResults: readonly unknown[];
  /** Tools that failed or timed out this turn. */
  failedTools: readonly string[];
  catalog: Catalog | ReadonlySet<string> | readonly (string | CatalogEntry)[];
}

export interface GroundingResult {
  grounded: boolean;
  titles: CheckedTitle[];
  /** Titles (with volume) not grounded by the catalog or by this turn's data. */
  ungrounded: string[];
  /** Product claims (prices, stock) made without any tool answer while a grounding tool failed. */
  unsupportedClaims: string[];
  action: GroundingAction;
  /** The text to send instead, when the action is REPLACE_WITH_FALLBACK. */
  replacement?: string;
}

interface TitleRef {
  key: string;
  volume?: number;
}

/** Every `title` (or `series_title`) a tool answer holds, at any depth, as series key and volume. */
export function titlesInToolResults(outputs: readonly unknown[]): TitleRef[] {
  const refs: TitleRef[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'title' || k === 'series_title') && typeof x === 'string') {
        const { series, volume } = splitVolume(x);
        refs.push({ key: normalizeTitle(series), ...(volume !== undefined ? { volume } : {}) });
        refs.push({ key: normalizeTitle(x) });
      } else walk(x, depth + 1);
    }
  };
  for (const o of outputs) walk(o, 0);
  return refs;
}

const PRICE_OR_STOCK = /[¥￥$]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*\s?円|\bin stock\b|\bout of stock\b|在庫(?:あり|が?ございます|があります|切れ|なし)/gi;

function label(title: string, volume?: number) {
  return volume === undefined ? title : `${title} (vol. ${volume})`;
}

/** Runs the check. See the module comment for the rules; {@link GroundingResult} for the answer. */
export async function checkGrounding(input: GroundingInput): Promise<GroundingResult> {
  const catalog = toCatalog(input.catalog);
  const known = catalog.titles ? await catalog.titles() : [];
  const mentions = extractTitleMentions(input.responseText, known);
  const fromTools = titlesInToolResults(input.toolResults);
  const searchFailed = input.failedTools.some((t) => GROUNDING_REQUIRED_TOOLS.has(t));

  const unique = mentions.filter((m, i) => mentions.findIndex((o) => o.key === m.key && o.volume === m.volume) === i);
  // Series first, then the volume: a real series with an invented volume is told apart from an invented series.
  const queries: TitleQuery[] = unique.flatMap((m) => [{ title: m.title }, ...(m.volume !== undefined ? [{ title: m.title, volume: m.volume }] : [])]);
  const answers = catalog.lookupMany ? await catalog.lookupMany(queries) : await Promise.all(queries.map((q) => catalog.lookup(q.title, q.volume)));

  const titles: CheckedTitle[] = [];
  let q = 0;
  for (const m of unique) {
    const series = answers[q++];
    const entry = m.volume !== undefined ? answers[q++] : series;
    const base = { title: m.title, ...(m.volume !== undefined ? { volume: m.volume } : {}), source: m.source, ...(entry ? { productId: entry.productId } : {}) };
    const inTools = fromTools.some((r) => r.key === m.key && (m.volume === undefined || r.volume === undefined || r.volume === m.volume));
    if (inTools) titles.push({ ...base, status: 'in_tool_results' });
    else if (entry) {
      titles.push(
        searchFailed
          ? { ...base, status: 'in_catalog_only', reason: "in the catalog, but not in this turn's tool results while a grounding tool failed" }
          : { ...base, status: 'in_catalog_only' },
      );
    } else if (series) titles.push({ ...base, status: 'unknown', reason: `the catalog has ${m.title} but not volume ${m.volume}` });
    // A quoted phrase with nothing saying it is a title, unknown to the catalog: speech or emphasis.
    else if (m.confidence === 'high') titles.push({ ...base, status: 'unknown', reason: 'not in the catalog' });
  }

  const unsupportedClaims =
    searchFailed && input.toolResults.length === 0 ? [...new Set([...input.responseText.matchAll(PRICE_OR_STOCK)].map((x) => x[0]))] : [];
  const ungrounded = titles.filter((t) => t.reason !== undefined).map((t) => label(t.title, t.volume));
  const fabricated = titles.some((t) => t.status === 'unknown');
  const action: GroundingAction = fabricated ? 'REPLACE_WITH_FALLBACK' : ungrounded.length || unsupportedClaims.length ? 'FLAG_FOR_REVIEW' : 'PASS';
  return {
    grounded: ungrounded.length === 0 && unsupportedClaims.length === 0,
    titles,
    ungrounded,
    unsupportedClaims,
    action,
    ...(action === 'REPLACE_WITH_FALLBACK' ? { replacement: fallbackResponseFor(input.responseText) } : {}),
  };
}
