import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCatalog } from '../../src/core/grounding/catalog.js';
import { checkGrounding } from '../../src/core/grounding/check.js';
import { LOCAL_AWS, LocalDynamo } from '../helpers/services.js';

const TABLE = 'manga_products';
let dynamo: LocalDynamo;
let raw: DynamoDBClient;
let doc: DynamoDBDocumentClient;

const SERIES: [string, (v: number) => string, number][] = [
  ['op', (v) => `ワンピース 第${v}巻`, 107],
  ['jjk', (v) => `呪術廻戦 ${v}`, 26],
  ['csm', (v) => `Chainsaw Man, Vol. ${v}`, 16],
  ['csm-ja', (v) => `チェンソーマン ${v}`, 16],
  ['frieren', (v) => `Frieren: Beyond Journey's End, Vol. ${v}`, 12],
  ['kny', (v) => `鬼滅の刃 ${v}`, 23],
];
const PRODUCTS = SERIES.flatMap(([code, title, count]) =>
  Array.from({ length: count }, (_, i) => ({ product_id: `${code}-${i + 1}`, title: title(i + 1), price: 484 + (i % 5) * 22, in_stock: i % 7 !== 0 })),
);

async function createTable(name: string) {
  await raw.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'product_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'product_id', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    }),
  );
  for (let i = 0; i < 100; i++) {
    if ((await raw.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  dynamo = await new LocalDynamo().start();
  raw = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  doc = DynamoDBDocumentClient.from(raw);
  await createTable(TABLE);
  for (let i = 0; i < PRODUCTS.length; i += 25) {
    const batch = PRODUCTS.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: batch } }));
  }
});
afterAll(async () => {
  raw?.destroy();
  await dynamo?.stop();
});

describe('DynamoCatalog over manga_products', () => {
  it('builds its title index with a paginated Scan, once, and again after its TTL', async () => {
    let t = 0;
    const catalog = new DynamoCatalog({ ddb: doc, scanPageSize: 50, indexTtlMs: 1000, now: () => t });
    const titles = await catalog.titles();
    expect(catalog.scanPages).toBeGreaterThanOrEqual(Math.ceil(PRODUCTS.length / 50));
    expect([...titles].sort()).toEqual(['Chainsaw Man', "Frieren: Beyond Journey's End", 'チェンソーマン', 'ワンピース', '呪術廻戦', '鬼滅の刃']);
    const pages = catalog.scanPages;
    await catalog.lookup('ワンピース', 107);
    expect(catalog.scanPages).toBe(pages);
    t = 5000;
    await catalog.lookup('ワンピース', 107);
    expect(catalog.scanPages).toBe(2 * pages);
  });

  it('reads the products it resolves in batches of 100, with fresh prices and stock', async () => {
    const catalog = new DynamoCatalog({ ddb: doc });
    const queries = PRODUCTS.slice(0, 150).map((p) => ({ title: p.title }));
    await catalog.titles();
    await doc.send(
      new UpdateCommand({ TableName: TABLE, Key: { product_id: 'op-3' }, UpdateExpression: 'SET price = :p, in_stock = :s', ExpressionAttributeValues: { ':p': 999, ':s': false } }),
    );
    const entries = await catalog.lookupMany(queries);
    expect(catalog.batchGets).toBe(2);
    expect(entries.map((e) => e?.productId)).toEqual(PRODUCTS.slice(0, 150).map((p) => p.product_id));
    expect(entries[2]).toMatchObject({ title: 'ワンピース 第3巻', volume: 3, price: 999, inStock: false });
  });

  it('answers by series and volume, across width and punctuation, and forgets a product deleted since the scan', async () => {
    const catalog = new DynamoCatalog({ ddb: doc });
    expect(await catalog.lookup('ＣＨＡＩＮＳＡＷ ＭＡＮ', 3)).toMatchObject({ productId: 'csm-3' });
    expect(await catalog.lookup('frieren beyond journeys end')).toMatchObject({ title: "Frieren: Beyond Journey's End, Vol. 1" });
    expect(await catalog.lookup('呪術廻戦', 27)).toBeUndefined();
    expect(await catalog.lookup('Dragon Sword Chronicles')).toBeUndefined();
    await doc.send(new DeleteCommand({ TableName: TABLE, Key: { product_id: 'kny-23' } }));
    expect(await catalog.lookup('鬼滅の刃', 23)).toBeUndefined();
    await doc.send(new PutCommand({ TableName: TABLE, Item: { product_id: 'kny-23', title: '鬼滅の刃 23', price: 528, in_stock: true } }));
  });

  it('does not cache a failed scan', async () => {
    const catalog = new DynamoCatalog({ ddb: doc, table: 'manga_products_late' });
    await expect(catalog.lookup('ワンピース')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await createTable('manga_products_late');
    await doc.send(new PutCommand({ TableName: 'manga_products_late', Item: { product_id: 'x-1', title: 'ワンピース 第1巻' } }));
    expect(await catalog.lookup('ワンピース')).toMatchObject({ productId: 'x-1', volume: 1 });
  });
});

describe('checkGrounding against the DynamoDB catalog', () => {
  it('replaces a Japanese answer that invents a title after the search timed out', async () => {
    const r = await checkGrounding({
      responseText: '検索結果です：『ワンピース』第107巻（在庫あり）、「呪術廻戦」第5巻、そして話題の『鋼の月光記』第3巻もおすすめです！',
      toolResults: [],
      failedTools: ['search_manga_catalog'],
      catalog: new DynamoCatalog({ ddb: doc }),
    });
    expect(r.action).toBe('REPLACE_WITH_FALLBACK');
    expect(r.titles.map((t) => [t.title, t.volume, t.status])).toEqual([
      ['ワンピース', 107, 'in_catalog_only'],
      ['呪術廻戦', 5, 'in_catalog_only'],
      ['鋼の月光記', 3, 'unknown'],
    ]);
    expect(r.ungrounded).toEqual(['ワンピース (vol. 107)', '呪術廻戦 (vol. 5)', '鋼の月光記 (vol. 3)']);
  });

  it("passes an English answer built from this turn's search results, plain titles included", async () => {
    const search = { results: [{ product_id: 'csm-16', title: 'Chainsaw Man, Vol. 16' }, { product_id: 'frieren-12', title: "Frieren: Beyond Journey's End, Vol. 12" }] };
    const r = await checkGrounding({
      responseText: "Chainsaw Man Vol. 16 just came out, and **Frieren: Beyond Journey's End** Vol. 12 is in stock.",
      toolResults: [search],
      failedTools: [],
      catalog: new DynamoCatalog({ ddb: doc }),
    });
    expect(r).toMatchObject({ action: 'PASS', grounded: true });
    expect(r.titles.map((t) => [t.title, t.volume, t.status, t.productId])).toEqual([
      ['Chainsaw Man', 16, 'in_tool_results', 'csm-16'],
      ["Frieren: Beyond Journey's End", 12, 'in_tool_results', 'frieren-12'],
    ]);
  });
});
