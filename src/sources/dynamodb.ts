import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/schema.js';
import { LazyClient, awsClientOptions, profileContext, type AwsSourceOptions } from './aws-config.js';
import { SourceError } from './errors.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/** An item as lib-dynamodb returns it: plain JavaScript values. */
export type DynamoItem = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;
/** Rounds of UnprocessedKeys before giving up as throttled. */
const BATCH_RETRIES = 5;

/**
 * Builds a DynamoDB DocumentClient for the config. `removeUndefinedValues` lets callers
 * pass objects with optional fields left undefined, as TypeScript code naturally does.
 */
export async function createDocumentClient(config: Config, timeoutMs = config.timeoutMs): Promise<DynamoDBDocumentClient> {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([
    loadSdk('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const base = new DynamoDBClient(await awsClientOptions(config, 'dynamodb', timeoutMs));
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

export interface ScanSessionsOptions {
  /** This worker's segment of a parallel scan (0-based); default 0. */
  segment?: number;
  /** How many workers scan the table in parallel; default 1 (a plain scan). */
  totalSegments?: number;
  /** Attributes to fetch (all when absent); projecting keeps big `turns` lists off the wire. */
  projection?: string[];
  /** Items per request (DynamoDB's Limit); memory is bounded by one page. Default 100. */
  pageSize?: number;
}

/** Reads of the `manga_sessions` and `manga_products` tables. Never writes. */
export class DynamoSource {
  private readonly lazy: LazyClient<DynamoDBDocumentClient>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(() => createDocumentClient(config, this.timeoutMs));
  }

  /** The DocumentClient, for code (such as the core's session writer) that sends its own commands. */
  documentClient(): Promise<DynamoDBDocumentClient> {
    return this.lazy.get();
  }

  /** One session item by id (strongly consistent: on-call wants what is there now), or undefined. */
  async getSession(sessionId: string): Promise<DynamoItem | undefined> {
    const doc = await this.lazy.get();
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = this.config.names.sessionsTable;
    const out = await callAws(
      'dynamodb',
      this.timeoutMs,
      (abortSignal) => doc.send(new GetCommand({ TableName: table, Key: { session_id: sessionId }, ConsistentRead: true }), { abortSignal }),
      profileContext(this.config, `GetItem ${table}`),
    );
    return out.Item;
  }

  /**
   * Scans one segment of the sessions table, page by page, yielding items. Each page
   * request has the full timeout; a long scan is many short requests, not one long one.
   * Run `totalSegments` of these concurrently (segment 0..n-1) for a parallel scan.
   */
  async *scanSessions(opts: ScanSessionsOptions = {}): AsyncGenerator<DynamoItem> {
    const doc = await this.lazy.get();
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = this.config.names.sessionsTable;
    const totalSegments = opts.totalSegments ?? 1;
    const segment = opts.segment ?? 0;
    if (!Number.isInteger(totalSegments) || totalSegments < 1 || !Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
      throw new RangeError(`scan segment ${segment} of ${totalSegments} is not a valid segment`);
    }
    // Placeholders, because attribute names such as `version` may be reserved words.
    const names = opts.projection?.length ? Object.fromEntries(opts.projection.map((n, i) => [`#p${i}`, n])) : undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws(
        'dynamodb',
        this.timeoutMs,
        (abortSignal) =>
          doc.send(
            new ScanCommand({
              TableName: table,
              Limit: opts.pageSize ?? 100,
              ...(totalSegments > 1 ? { Segment: segment, TotalSegments: totalSegments } : {}),
              ...(names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
            { abortSignal },
          ),
        profileContext(this.config, `Scan ${table}`),
      );
      for (const item of page.Items ?? []) yield item;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Catalog items by product id (BatchGetItem, 100 ids a request). Ids not in the
   * catalog are absent from the map: that absence is what the hallucination check needs.
   */
  async getProducts(productIds: readonly string[]): Promise<Map<string, DynamoItem>> {
    const doc = await this.lazy.get();
    const { BatchGetCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = this.config.names.productsTable;
    const found = new Map<string, DynamoItem>();
    const ids = [...new Set(productIds)];
    for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = ids.slice(i, i + BATCH_GET_MAX).map((id) => ({ product_id: id }));
      for (let round = 0; keys.length > 0; round++) {
        if (round > BATCH_RETRIES) {
          throw new SourceError({
            source: 'dynamodb',
            kind: 'throttled',
            message: `DynamoDB BatchGetItem ${table}: ${keys.length} keys still unprocessed after ${BATCH_RETRIES} retries`,
            hint: 'the table is throttling reads: retry in a minute, or raise its read capacity',
          });
        }
        // Back off before a retry, as DynamoDB asks for unprocessed keys.
        if (round > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** round));
        const request = { [table]: { Keys: keys } };
        const out = await callAws(
          'dynamodb',
          this.timeoutMs,
          (abortSignal) => doc.send(new BatchGetCommand({ RequestItems: request }), { abortSignal }),
          profileContext(this.config, `BatchGetItem ${table}`),
        );
        for (const item of out.Responses?.[table] ?? []) found.set(String(item.product_id), item);
        keys = (out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }
}
