/**
 * The lab's DynamoDB tables: dropped and recreated on every seed (so a re-seed leaves
 * exactly the documented items), then filled with BatchWriteItem. Item sizes are never
 * judged here: dynalite measures strings in UTF-16 units, and scenario 4 relies on that
 * to store items real DynamoDB would refuse (see scenario4.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface TableSpec {
  name: string;
  hashKey: string;
}

const POLL_MS = 20;
const POLL_LIMIT_MS = 30_000;
/** BatchWriteItem takes 25 items and 16 MB; stay well under the bytes for dynalite's sake. */
const BATCH_ITEMS = 25;
const BATCH_BYTES = 2 * 1024 * 1024;
const PARALLEL_BATCHES = 4;

async function describeStatus(client: DynamoDBClient, name: string): Promise<string | null> {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    return out.Table?.TableStatus ?? null;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

async function waitFor(client: DynamoDBClient, name: string, want: 'ACTIVE' | null): Promise<void> {
  const until = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const status = await describeStatus(client, name);
    if (status === want) return;
    if (Date.now() > until) throw new Error(`table ${name} did not become ${want ?? 'deleted'} (status ${status ?? 'absent'})`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Deletes `spec.name` if it exists and creates it empty, on-demand, keyed by `spec.hashKey` (S). */
export async function recreateTable(client: DynamoDBClient, spec: TableSpec): Promise<void> {
  const { CreateTableCommand, DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
  if ((await describeStatus(client, spec.name)) !== null) {
    await waitFor(client, spec.name, 'ACTIVE');
    await client.send(new DeleteTableCommand({ TableName: spec.name }));
    await waitFor(client, spec.name, null);
  }
  await client.send(
    new CreateTableCommand({
      TableName: spec.name,
      AttributeDefinitions: [{ AttributeName: spec.hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: spec.hashKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitFor(client, spec.name, 'ACTIVE');
}

function batches<T>(items: readonly T[], weigh: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const w = weigh(item);
    if (current.length > 0 && (current.length >= BATCH_ITEMS || bytes + w > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += w;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Puts `items` into `table`, a few batches at a time, resending what DynamoDB returns as
 * unprocessed. `weigh` estimates an item's bytes only to keep requests reasonably small.
 */
export async function putItems(doc: DynamoDBDocumentClient, table: string, items: readonly Record<string, unknown>[], weigh: (item: Record<string, unknown>) => number): Promise<void> {
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const queue = batches(items, weigh);
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`${requests.length} items stayed unprocessed in ${table}`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
}
