/**
 * Pre-images of `manga_sessions` items, kept in S3 before a fix rewrites an item (compact,
 * overflow, flag-review), so `undo` can put the item back exactly and nothing a fix touches
 * is lost. A Redis quarantine record cannot hold them: the item is the durable copy, may be
 * 400 KB, and Redis may not even be in the picture.
 *
 * Layout: `s3://<overflow bucket>/quarantine/<session-id>/<digest>.<action>.json`, SSE
 * `aws:kms`, outside the `sessions/` prefix that overflow snapshots use (so the read path
 * never mistakes one for a history). The key is content-addressed: a rerun after a crash
 * writes the same object again instead of a second copy. The body is the record below, the
 * item in the lossless tagged JSON of history-codec.ts (sets, binary, big numbers survive).
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadSdk } from '../aws-sdk.js';
import { CoreError } from '../errors.js';
import { decodeTagged, encodeTagged } from '../size/history-codec.js';
import { awsErrorName } from '../size/errors.js';
import type { SessionItem } from '../size/session-item.js';

export const ITEM_PREIMAGE_PREFIX = 'quarantine/';
export const ITEM_PREIMAGE_SCHEMA_VERSION = 1;

export interface ItemPreImage {
  schemaVersion: typeof ITEM_PREIMAGE_SCHEMA_VERSION;
  sessionId: string;
  table: string;
  /** The fix that saved it, e.g. `compact`. */
  action: string;
  /** When it was saved, epoch ms. */
  at: number;
  /** The item as it was; null when there was none. */
  item: SessionItem | null;
  /** {@link itemDigest} of `item`. */
  digest: string;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
}

/**
 * A digest of an item's content, independent of attribute order: two reads of an unchanged
 * item give the same digest, any change in any attribute gives another. 'none' for no item.
 */
export function itemDigest(item: SessionItem | null | undefined): string {
  if (!item) return 'none';
  const canonical = JSON.stringify(sortKeys(JSON.parse(encodeTagged(item))));
  return createHash('sha256').update(canonical).digest('hex');
}

/** The S3 key of a pre-image. */
export function itemPreImageKey(sessionId: string, digest: string, action: string): string {
  return `${ITEM_PREIMAGE_PREFIX}${sessionId}/${digest.slice(0, 32)}.${action}.json`;
}

/** Reads and writes item pre-images in the overflow bucket. */
export class ItemPreImageStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {}

  /** Saves `item` (as read before a fix) and returns the S3 key holding it. Idempotent. */
  async save(input: { sessionId: string; table: string; action: string; at: number; item: SessionItem | null }): Promise<{ key: string; digest: string }> {
    const digest = itemDigest(input.item);
    const record: ItemPreImage = { schemaVersion: ITEM_PREIMAGE_SCHEMA_VERSION, ...input, digest };
    const key = itemPreImageKey(input.sessionId, digest, input.action);
    const body = encodeTagged(record);
    const { PutObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        ...(this.kmsKeyId ? { SSEKMSKeyId: this.kmsKeyId } : {}),
        Metadata: { 'session-id': input.sessionId, action: input.action, 'item-digest': digest },
      }),
    );
    return { key, digest };
  }

  /**
   * Reads a pre-image back. A missing object is CoreError NOT_FOUND; one that does not
   * parse, or whose item no longer matches its digest, is CORRUPT_DATA.
   */
  async read(key: string): Promise<ItemPreImage> {
    const { GetObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    let text: string;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      if (awsErrorName(err) === 'NoSuchKey' || awsErrorName(err) === 'NotFound') {
        throw new CoreError('NOT_FOUND', `item pre-image s3://${this.bucket}/${key} does not exist`, { cause: err, suggestion: 'check the bucket lifecycle rules: pre-images must be kept as long as undo is wanted' });
      }
      throw err;
    }
    const parsed = decodeTagged(text, `s3://${this.bucket}/${key}`) as Partial<ItemPreImage> | null;
    if (!parsed || typeof parsed !== 'object' || parsed.schemaVersion !== ITEM_PREIMAGE_SCHEMA_VERSION || typeof parsed.sessionId !== 'string' || parsed.item === undefined) {
      throw new CoreError('CORRUPT_DATA', `s3://${this.bucket}/${key} is not an item pre-image`);
    }
    const record = parsed as ItemPreImage;
    if (itemDigest(record.item) !== record.digest) throw new CoreError('CORRUPT_DATA', `s3://${this.bucket}/${key}: the item does not match its digest`);
    return record;
  }
}
