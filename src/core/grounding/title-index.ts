/**
 * The catalog as the grounding check sees it, and an in-memory implementation of it. A
 * product title usually carries its volume ("呪術廻戦 5", "Chainsaw Man, Vol. 3"), so the
 * index answers by series and volume, and by full title for titles that merely end in a
 * number ("Mob Psycho 100").
 */
import { normalizeTitle } from './normalize.js';
import { splitVolume } from './volumes.js';

/** One product of the `manga_products` table. */
export interface CatalogEntry {
  productId: string;
  title: string;
  price?: number;
  inStock?: boolean;
  /** The volume parsed from the title, when it names one. */
  volume?: number;
}

/** A title to look up, with the volume the response claimed, if any. */
export interface TitleQuery {
  title: string;
  volume?: number;
}

/**
 * What the grounding check needs from a catalog. `lookup` is required; `lookupMany` lets an
 * adapter batch its reads; `titles` (the series names) lets the check find titles a response
 * writes without quotes, which a lookup-only catalog cannot.
 */
export interface Catalog {
  /** The product for `title` (and `volume`, when given); undefined when the catalog has none. */
  lookup(title: string, volume?: number): Promise<CatalogEntry | undefined>;
  lookupMany?(queries: readonly TitleQuery[]): Promise<(CatalogEntry | undefined)[]>;
  titles?(): Promise<readonly string[]>;
}

/** An in-memory title index: series key → its products; full-title key → products. */
export class TitleIndex {
  private readonly bySeries = new Map<string, CatalogEntry[]>();
  private readonly byFull = new Map<string, CatalogEntry[]>();
  private readonly seriesNames = new Map<string, string>();

  constructor(entries: Iterable<CatalogEntry> = []) {
    for (const e of entries) this.add(e);
  }

  add(entry: CatalogEntry): void {
    const { series, volume } = splitVolume(entry.title);
    const withVolume: CatalogEntry = volume !== undefined ? { ...entry, volume } : entry;
    const seriesKey = normalizeTitle(series);
    push(this.bySeries, seriesKey, withVolume);
    push(this.byFull, normalizeTitle(entry.title), withVolume);
    if (!this.seriesNames.has(seriesKey)) this.seriesNames.set(seriesKey, series);
  }

  get size(): number {
    return this.byFull.size;
  }

  /** The entry for a title, and for its volume when one is given or written in the title. */
  find(title: string, volume?: number): CatalogEntry | undefined {
    if (volume === undefined) {
      const exact = this.byFull.get(normalizeTitle(title))?.[0];
      if (exact) return exact;
    }
    // The whole title as a series first ("Mob Psycho 100" is a series, not volume 100 of
    // "Mob Psycho"); only then a volume written in the title ("呪術廻戦 5").
    const whole = this.bySeries.get(normalizeTitle(title));
    const split = whole ? undefined : splitVolume(title);
    const series = whole ?? this.bySeries.get(normalizeTitle(split!.series));
    const vol = volume ?? split?.volume;
    if (!series) return undefined;
    if (vol !== undefined) return series.find((e) => e.volume === vol);
    // The series as a whole: its first volume, whatever order the Scan returned them in.
    return series.reduce((a, b) => ((b.volume ?? 0) < (a.volume ?? 0) ? b : a));
  }

  /** Series names, one per series, as first seen: what a response may write without quotes. */
  titles(): string[] {
    return [...this.seriesNames.values()];
  }
}

function push(map: Map<string, CatalogEntry[]>, key: string, entry: CatalogEntry) {
  if (key === '') return;
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** A {@link Catalog} over titles or entries held in memory (a test fixture, a cached export). */
export function catalogFromTitles(items: Iterable<string | CatalogEntry>): Catalog {
  const index = new TitleIndex([...items].map((t) => (typeof t === 'string' ? { productId: t, title: t } : t)));
  return {
    lookup: async (title, volume) => index.find(title, volume),
    lookupMany: async (queries) => queries.map((q) => index.find(q.title, q.volume)),
    titles: async () => index.titles(),
  };
}

/** Accepts what `checkGrounding` is given as a catalog: an adapter, a set or a list. */
export function toCatalog(catalog: Catalog | ReadonlySet<string> | readonly (string | CatalogEntry)[]): Catalog {
  if (catalog instanceof Set || Array.isArray(catalog)) return catalogFromTitles(catalog as Iterable<string | CatalogEntry>);
  return catalog as Catalog;
}
