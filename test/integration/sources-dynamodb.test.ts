import { createServer, type Server, type Socket } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { createDocumentClient, DynamoSource } from '../../src/sources/dynamodb.js';
import { SourceError } from '../../src/sources/errors.js';
import { LocalDynamo, LOCAL_AWS } from '../helpers/services.js';

const configFor = (endpoint: string, extra: { sessionsTable?: string; timeoutMs?: number } = {}) =>
  configSchema.parse({
    aws: { endpoints: { dynamodb: endpoint }, accessKeyId: 'test', secretAccessKey: 'test' },
    names: extra.sessionsTable ? { sessionsTable: extra.sessionsTable } : {},
    timeoutMs: extra.timeoutMs ?? 5000,
  });

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

async function drain<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('DynamoDB adapter against dynalite', () => {
  const dynamo = new LocalDynamo();
  let source: DynamoSource;
  const SESSIONS = 210;

  beforeAll(async () => {
    await dynamo.start();
    const raw = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    for (const [table, key] of [
      ['manga_sessions', 'session_id'],
      ['manga_products', 'product_id'],
    ] as const) {
      await raw.send(
        new CreateTableCommand({
          TableName: table,
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    const doc = DynamoDBDocumentClient.from(raw);
    const sessions = Array.from({ length: SESSIONS }, (_, i) => ({
      session_id: `sess-${i}`,
      turn_count: i,
      version: 1,
      turns: [{ role: 'user', content: `『ワンピース』の${i}巻はありますか？`, ts: 1_700_000_000_000 + i }],
    }));
    const products = Array.from({ length: 130 }, (_, i) => ({ product_id: `p-${i}`, title: `進撃の巨人 ${i}`, price: 528, in_stock: i % 2 === 0 }));
    for (const [table, items] of [
      ['manga_sessions', sessions],
      ['manga_products', products],
    ] as const) {
      for (let i = 0; i < items.length; i += 25) {
        await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
      }
    }
    raw.destroy();
    source = new DynamoSource(configFor(dynamo.endpoint));
  });
  afterAll(async () => {
    source?.close();
    await dynamo.stop();
  });

  it('getSession returns the item with its Japanese turns intact, and undefined for an unknown id', async () => {
    const item = await source.getSession('sess-7');
    expect(item?.turn_count).toBe(7);
    expect((item?.turns as { content: string }[])[0]?.content).toBe('『ワンピース』の7巻はありますか？');
    expect(await source.getSession('no-such-session')).toBeUndefined();
  });

  it('a parallel scan over 3 segments with small pages sees every session exactly once', async () => {
    const segments = await Promise.all([0, 1, 2].map((segment) => drain(source.scanSessions({ segment, totalSegments: 3, pageSize: 17 }))));
    const ids = segments.flat().map((item) => item.session_id as string);
    expect(ids.length).toBe(SESSIONS);
    expect(new Set(ids).size).toBe(SESSIONS);
    // Each segment got a share, not everything.
    for (const seg of segments) expect(seg.length).toBeLessThan(SESSIONS);
  });

  it('a projected scan fetches only the named attributes, reserved words included', async () => {
    const items = await drain(source.scanSessions({ projection: ['session_id', 'version'], pageSize: 50 }));
    expect(items.length).toBe(SESSIONS);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['session_id', 'version']);
  });

  it('getProducts batches over 100 ids and leaves out ids not in the catalog', async () => {
    const ids = [...Array.from({ length: 120 }, (_, i) => `p-${i}`), 'p-999', 'hallucinated-title', 'p-3'];
    const found = await source.getProducts(ids);
    expect(found.size).toBe(120);
    expect(found.get('p-3')?.title).toBe('進撃の巨人 3');
    expect(found.has('p-999')).toBe(false);
    expect(found.has('hallucinated-title')).toBe(false);
  });

  it('a wrong table name is not_found (ResourceNotFoundException), exit 2, with a hint to check names', async () => {
    const wrong = new DynamoSource(configFor(dynamo.endpoint, { sessionsTable: 'manga_sesions' }));
    const err = await failure(wrong.getSession('sess-1'));
    wrong.close();
    expect(err.kind).toBe('not_found');
    expect(err.exitCode).toBe(2);
    expect(err.errorCode).toBe('DYNAMODB_NOT_FOUND');
    expect(err.message).toContain('ResourceNotFoundException');
    expect(err.message).toContain('manga_sesions');
    expect(err.hint).toContain('names.');
  });

  it('the DocumentClient drops undefined attributes instead of failing the write', async () => {
    const doc = await createDocumentClient(configFor(dynamo.endpoint));
    await doc.send(new PutCommand({ TableName: 'manga_sessions', Item: { session_id: 'sess-undef', history_summary: undefined, turn_count: 0 } }));
    doc.destroy();
    const item = await source.getSession('sess-undef');
    expect(item).toEqual({ session_id: 'sess-undef', turn_count: 0 });
  });
});

describe('DynamoDB adapter when the endpoint is down or hangs', () => {
  let hung: Server | undefined;
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
  });

  it('a closed port is unreachable, exit 4', async () => {
    const source = new DynamoSource(configFor(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 2000 }));
    const err = await failure(source.getSession('sess-1'));
    source.close();
    expect(err.kind).toBe('unreachable');
    expect(err.exitCode).toBe(4);
  });

  it('an endpoint that accepts but never answers is a timeout within the budget, and the request is aborted', async () => {
    hung = createServer((s) => sockets.push(s.resume()));
    await new Promise<void>((resolve) => hung!.listen(0, '127.0.0.1', () => resolve()));
    const port = (hung.address() as { port: number }).port;
    const source = new DynamoSource(configFor(`http://127.0.0.1:${port}`, { timeoutMs: 400 }));
    const started = Date.now();
    const err = await failure(source.getSession('sess-1'));
    expect(err.kind).toBe('timeout');
    expect(err.errorCode).toBe('DYNAMODB_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(400 + 1000);
    // The abort reached the socket: the server sees every connection closed.
    expect(sockets.length).toBeGreaterThan(0);
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
    source.close();
  });
});
