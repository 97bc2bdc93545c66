import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { CoreError } from '../../src/core/errors.js';
import { SourceError } from '../../src/sources/errors.js';
import { createS3Client, S3Source } from '../../src/sources/s3.js';
import { LocalS3, LOCAL_AWS } from '../helpers/services.js';

const BUCKET = 'manga-session-overflow';
/** s3rver accepts any signature (allowMismatchedSignatures) but only its own access key id. */
const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('S3 adapter against s3rver', () => {
  const s3 = new LocalS3([BUCKET]);
  let source: S3Source;
  let config: ReturnType<typeof configSchema.parse>;

  beforeAll(async () => {
    await s3.start();
    config = configSchema.parse({ aws: { endpoints: { s3: s3.endpoint }, ...S3RVER_KEYS } });
    source = new S3Source(config);
  });
  afterAll(async () => {
    source?.close();
    await s3.stop();
  });

  it('round-trips a Japanese JSON history byte for byte, written with SSE aws:kms', async () => {
    const history = {
      session_id: 'sess-jp',
      turns: [
        { role: 'user', content: '『鬼滅の刃』の最終巻はいつ発売ですか？🗡️', ts: 1_700_000_000_000 },
        { role: 'assistant', content: '第23巻は2020年12月4日に発売されました。', agent_name: 'ProductSearchAgent', ts: 1_700_000_000_500 },
      ],
    };
    const key = 'sessions/sess-jp/1700000000500.json';
    const put = await source.putJson(BUCKET, key, history, { sse: 'aws:kms' });
    expect(put.etag).toBeTruthy();
    expect(await source.getJson(BUCKET, key)).toEqual(history);

    // Stored as UTF-8 JSON, not escaped or double-encoded.
    const raw = new S3Client({ ...LOCAL_AWS, credentials: S3RVER_KEYS, endpoint: s3.endpoint, forcePathStyle: true });
    const obj = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(await obj.Body!.transformToByteArray());
    raw.destroy();
    expect(bytes.equals(Buffer.from(JSON.stringify(history), 'utf8'))).toBe(true);
    expect(obj.ContentType).toContain('application/json');
  });

  it('a missing key is not_found (NoSuchKey), exit 2', async () => {
    const err = await failure(source.getJson(BUCKET, 'sessions/nobody/1.json'));
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('not_found');
    expect((err as SourceError).errorCode).toBe('S3_NOT_FOUND');
    expect((err as SourceError).message).toContain('NoSuchKey');
  });

  it('a missing bucket is not_found (NoSuchBucket)', async () => {
    const err = await failure(source.getJson('no-such-bucket', 'k.json'));
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('not_found');
    expect((err as SourceError).message).toContain('NoSuchBucket');
  });

  it('an object that is not JSON is corrupt data (CoreError), not an S3 failure', async () => {
    const raw = await createS3Client(config);
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sessions/bad/1.json', Body: '{"turns": [truncated' }));
    raw.destroy();
    const err = await failure(source.getJson(BUCKET, 'sessions/bad/1.json'));
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe('CORRUPT_DATA');
  });
});
