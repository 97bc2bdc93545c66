/**
 * The `manga_products` table (product_id, title, price, in_stock) as a grounding catalog.
 *
 * The table is keyed by product_id, so titles cannot be read by key: a paginated Scan that
 * projects only product_id and title builds an in-memory title index, kept for `indexTtlMs`
 * (titles change rarely; a catalog of 100k products is a few MB). Prices and stock change
 * often, so the products a check resolves are then read fresh with BatchGetItem, 100 keys
 * a request, retrying what DynamoDB leaves unprocessed.
 */
import { BatchGetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TitleIndex, type Catalog, type CatalogEntry, type TitleQuery } from './title-index.js';

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_RETRIES = 5;

/** DynamoDB kept leaving keys unprocessed (throttling): the catalog could not answer. */
export class CatalogReadError extends Error {
  constructor(
    readonly table: string,
    readonly unprocessedKeys: number,
    readonly attempts: number,
  ) {
    super(`BatchGetItem on ${table} left ${unprocessedKeys} keys unprocessed after ${attempts} attempts`);
    this.name = 'CatalogReadError';
  }
}

export interface DynamoCatalogOptions {
  ddb: DynamoDBDocumentClient;
  /** Default `manga_products`. */
  table?: string;
  /** Scan page size (DynamoDB's `Limit`); DynamoDB caps a page at 1 MB regardless. */
  scanPageSize?: number;
  /** How long the title index is reused before the next Scan. Default 5 minutes. */
  indexTtlMs?: number;
  now?: () => number;
}

export class DynamoCatalog implements Catalog {
  private readonly table: string;
  private readonly ttl: number;
  private readonly now: () => number;
  private index: { built: number; value: Promise<TitleIndex> } | undefined;
  /** Scan pages read so far (for `doctor` and tests: proof of pagination and caching). */
  scanPages = 0;
  /** BatchGetItem requests sent so far. */
  batchGets = 0;

  constructor(private readonly opts: DynamoCatalogOptions) {
    this.table = opts.table ?? 'manga_products';
    this.ttl = opts.indexTtlMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  async titles(): Promise<readonly string[]> {
    return (await this.titleIndex()).titles();
  }

  async lookup(title: string, volume?: number): Promise<CatalogEntry | undefined> {
    const [entry] = await this.lookupMany([{ title, volume }]);
    return entry;
  }

  /** Resolves every query through the title index, then reads the products found in batches. */
  async lookupMany(queries: readonly TitleQuery[]): Promise<(CatalogEntry | undefined)[]> {
    const index = await this.titleIndex();
    const hits = queries.map((q) => index.find(q.title, q.volume));
    const fresh = await this.getProducts([...new Set(hits.flatMap((h) => (h ? [h.productId] : [])))]);
    // A product deleted since the Scan is not in the catalog any more.
    return hits.map((h) => {
      const f = h && fresh.get(h.productId);
      return h && f ? { ...h, ...f } : undefined;
    });
  }

  /** Reads products by id with BatchGetItem (consistent), 100 keys a request. */
  async getProducts(ids: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const found = new Map<string, CatalogEntry>();
    for (let i = 0; i < ids.length; i += BATCH_GET_MAX_KEYS) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + BATCH_GET_MAX_KEYS).map((id) => ({ product_id: id }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) throw new CatalogReadError(this.table, keys.length, attempt);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        this.batchGets++;
        const out = await this.opts.ddb.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.table] ?? []) {
          const entry = toEntry(item);
          if (entry) found.set(entry.productId, entry);
        }
        keys = out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  /** Drops the cached title index: the next lookup scans again. */
  invalidate(): void {
    this.index = undefined;
  }

  private titleIndex(): Promise<TitleIndex> {
    const t = this.now();
    if (!this.index || t - this.index.built > this.ttl) {
      const value = this.scanTitles();
      // A failed scan is not cached: the next lookup tries again.
      value.catch(() => {
        if (this.index?.value === value) this.index = undefined;
      });
      this.index = { built: t, value };
    }
    return this.index.value;
  }

  private async scanTitles(): Promise<TitleIndex> {
    const index = new TitleIndex();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.opts.ddb.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: '#id, #t',
          ExpressionAttributeNames: { '#id': 'product_id', '#t': 'title' },
          ExclusiveStartKey: start,
          ...(this.opts.scanPageSize ? { Limit: this.opts.scanPageSize } : {}),
        }),
      );
      this.scanPages++;
      for (const item of page.Items ?? []) {
        const entry = toEntry(item);
        if (entry) index.add(entry);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return index;
  }
}

function toEntry(item: Record<string, unknown>): CatalogEntry | undefined {
  const { product_id: id, title, price, in_stock: inStock } = item;
  if (typeof id !== 'string' || typeof title !== 'string') return undefined;
  return {
    productId: id,
    title,
    ...(typeof price === 'number' ? { price } : {}),
    ...(typeof inStock === 'boolean' ? { inStock } : {}),
  };
}
