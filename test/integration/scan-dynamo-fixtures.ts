/**
 * A sessions table on dynalite for the `scan dynamodb` tests: small sessions, a few near the
 * 400 KB limit (ASCII, so dynalite and DynamoDB agree on their size), and one Japanese
 * session that dynalite accepts (it counts UTF-16 units) although DynamoDB, counting UTF-8
 * bytes, would refuse it.
 */
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS, LocalDynamo } from '../helpers/services.js';

export const TABLE = 'manga_sessions';

export interface SessionsTable {
  dynamo: LocalDynamo;
  client: DynamoDBClient;
  /** Session ids by kind, as written. */
  small: string[];
  near: string[];
  japanese: string[];
  stop(): Promise<void>;
}

function item(id: string, turns: number, content: string): Record<string, AttributeValue> {
  return {
    session_id: { S: id },
    turn_count: { N: String(turns) },
    version: { N: '1' },
    turns: { L: Array.from({ length: turns }, (_, i) => ({ M: { role: { S: i % 2 ? 'assistant' : 'user' }, content: { S: content }, ts: { N: String(1_700_000_000_000 + i) } } })) },
  };
}

/** Starts dynalite, creates the table and writes `smallCount` small sessions plus the large ones. */
export async function startSessionsTable(smallCount: number): Promise<SessionsTable> {
  const dynamo = await new LocalDynamo().start();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'session_id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'session_id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const small = Array.from({ length: smallCount }, (_, i) => `small-${i}`);
  // 98 turns of 4,000 ASCII bytes: about 397 KB, over the 380 KB threshold, under the limit.
  const near = ['near-1', 'near-2', 'near-3'];
  // 64 turns of 2,200 Japanese characters: 422,400 UTF-8 bytes of content (DynamoDB: over 400 KB), 140,800 UTF-16 units (dynalite: fine).
  const japanese = ['ja-1'];
  const items = [
    ...small.map((id) => item(id, 10, `おすすめの漫画を教えて ${id}`)),
    ...near.map((id) => item(id, 98, 'x'.repeat(4000))),
    ...japanese.map((id) => item(id, 64, '進撃の巨人'.repeat(440))),
  ];
  for (let i = 0; i < items.length; i += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  return {
    dynamo,
    client,
    small,
    near,
    japanese,
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
