/**
 * The stores the compaction tests run against: dynalite and s3rver in this process, with the
 * contract's table and bucket, and real SDK clients talking to them.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS, LocalDynamo, LocalS3 } from '../helpers/services.js';

export const TABLE = 'manga_sessions';
export const BUCKET = 'manga-session-overflow';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface CompactionEnv {
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  /** Another S3 client for s3rver, for a test that adds middleware to it. */
  newS3Client(): S3Client;
  /** Keys under `sessions/<id>/`. */
  snapshotKeys(id: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startCompactionEnv(): Promise<CompactionEnv> {
  const dynamo = await new LocalDynamo().start();
  const s3server = await new LocalS3([BUCKET]).start();
  const raw = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'session_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'session_id', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    }),
  );
  for (let i = 0; i < 100; i++) {
    const t = await raw.send(new DescribeTableCommand({ TableName: TABLE }));
    if (t.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const s3Options = {
    ...LOCAL_AWS,
    // s3rver knows one key pair, its own; any other access key is InvalidAccessKeyId.
    credentials: S3RVER_CREDENTIALS,
    endpoint: s3server.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
  const s3 = new S3Client(s3Options);
  const extra: S3Client[] = [];
  return {
    raw,
    doc,
    s3,
    newS3Client() {
      const c = new S3Client(s3Options);
      extra.push(c);
      return c;
    },
    async snapshotKeys(id) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `sessions/${id}/` }));
      return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async stop() {
      raw.destroy();
      s3.destroy();
      for (const c of extra) c.destroy();
      await dynamo.stop();
      await s3server.stop();
    },
  };
}

type Send = DynamoDBDocumentClient['send'];

/**
 * A real DocumentClient on the same connection whose `send` runs `hook` around each command:
 * how the tests crash a run between its S3 write and its DynamoDB write, or let another
 * writer in, without any mocking library.
 */
export function hookedClient(
  raw: DynamoDBClient,
  hook: (command: object, send: (c: object) => Promise<unknown>) => Promise<unknown>,
): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const original = client.send.bind(client) as unknown as (c: object) => Promise<unknown>;
  client.send = ((command: object) => hook(command, original)) as unknown as Send;
  return client;
}

/** A failure injected by a test (a process dying at that point). */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = 'SimulatedCrash';
  }
}
