import type { CatalogEntry } from '../../core/grounding/index.js';
import { profileContext } from '../../sources/aws-config.js';
import { callAws } from '../../sources/timeout.js';
import type { Question } from '../types.js';

/** Parallel scan segments: the catalog is read in a few concurrent page streams. */
const SEGMENTS = 4;

/**
 * The `manga_products` catalog as grounding entries: a projected parallel Scan (product id,
 * title, English title where the table has one, volume). Asked only when an answer after a
 * tool timeout names titles, so a healthy run never reads the catalog.
 */
export const catalogEntries: Question<CatalogEntry[]> = {
  key: 'dynamodb.catalog',
  source: 'dynamodb',
  describe: (env) => `Scan ${env.config.names.productsTable} ProjectionExpression=product_id, title, title_en, volume`,
  async run(env) {
    const doc = await (await env.sources.dynamodb()).documentClient();
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = env.config.names.productsTable;
    const entries: CatalogEntry[] = [];
    await Promise.all(
      Array.from({ length: SEGMENTS }, async (_, segment) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await callAws(
            'dynamodb',
            env.config.timeoutMs,
            (abortSignal) =>
              doc.send(
                new ScanCommand({
                  TableName: table,
                  Segment: segment,
                  TotalSegments: SEGMENTS,
                  ProjectionExpression: '#id, #t, #te, #v',
                  ExpressionAttributeNames: { '#id': 'product_id', '#t': 'title', '#te': 'title_en', '#v': 'volume' },
                  ...(start ? { ExclusiveStartKey: start } : {}),
                }),
                { abortSignal },
              ),
            { ...profileContext(env.config, `Scan ${table}`), signal: env.signal },
          );
          for (const item of page.Items ?? []) {
            const { product_id: id, title, title_en: titleEn, volume } = item;
            if (typeof id !== 'string') continue;
            const vol = typeof volume === 'number' ? { volume } : {};
            if (typeof title === 'string') entries.push({ productId: id, title, ...vol });
            if (typeof titleEn === 'string') entries.push({ productId: id, title: titleEn, ...vol });
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }),
    );
    return entries;
  },
};
