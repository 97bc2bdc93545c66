/**
 * History snapshots in S3 (`sessions/<id>/<epoch-ms>.json`, SSE `aws:kms`).
 *
 * A snapshot is written before the item that points to it, so a crash in between leaves an
 * orphan. The next attempt recognises it (same content digest in its metadata) and points the
 * item at it instead of writing another copy; and a new key never overwrites an existing one,
 * because an older snapshot may still be what an item points to.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadSdk } from '../aws-sdk.js';
import { CoreError } from '../errors.js';
import { decodeSnapshot, encodeSnapshot, type HistorySnapshot } from './history-codec.js';
import { awsErrorName } from './errors.js';
import { overflowKey, overflowPrefix } from './session-item.js';

/** Orphans checked for reuse, newest first: a crash leaves one; more means something else is wrong. */
const REUSE_CANDIDATES = 3;
const DIGEST_META = 'content-sha256';
const KEY_EPOCH = /\/(\d+)\.json$/;

export interface SnapshotWrite {
  key: string;
  /** True when an identical snapshot (an orphan of an interrupted run) was reused. */
  reused: boolean;
  bytes: number;
}

export class OverflowStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** A customer-managed KMS key; the bucket's default `aws/s3` key when absent. */
    private readonly kmsKeyId?: string,
  ) {}

  /** Writes `snapshot` under a fresh key at or after `nowMs`, or reuses an identical orphan. */
  async write(snapshot: HistorySnapshot, nowMs: number): Promise<SnapshotWrite> {
    const body = encodeSnapshot(snapshot);
    const digest = createHash('sha256').update(body).digest('hex');
    const bytes = Buffer.byteLength(body, 'utf8');
    const existing = await this.listKeys(snapshot.session_id);
    for (const key of existing.slice(0, REUSE_CANDIDATES)) {
      if ((await this.digestOf(key)) === digest) return { key, reused: true, bytes };
    }
    const taken = new Set(existing);
    let epoch = nowMs;
    while (taken.has(overflowKey(snapshot.session_id, epoch))) epoch++;
    const key = overflowKey(snapshot.session_id, epoch);
    const { PutObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        ...(this.kmsKeyId ? { SSEKMSKeyId: this.kmsKeyId } : {}),
        Metadata: { [DIGEST_META]: digest, 'session-id': snapshot.session_id, 'turn-count': String(snapshot.turns.length) },
      }),
    );
    return { key, reused: false, bytes };
  }

  /**
   * Reads a snapshot. A missing object is `CoreError('CORRUPT_DATA')`: the item points to
   * history that is gone, which no retry fixes.
   */
  async read(key: string): Promise<HistorySnapshot> {
    const { GetObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await out.Body?.transformToString('utf-8')) ?? '';
      return decodeSnapshot(text, `s3://${this.bucket}/${key}`);
    } catch (err) {
      if (awsErrorName(err) === 'NoSuchKey' || awsErrorName(err) === 'NotFound') {
        throw new CoreError('CORRUPT_DATA', `overflow snapshot s3://${this.bucket}/${key} is missing`, {
          suggestion: 'check the bucket lifecycle rules and versioning; the older turns of this session are not in S3',
          cause: err,
        });
      }
      throw err;
    }
  }

  /** The session's snapshot keys, newest first (by the epoch in the key). */
  async listKeys(sessionId: string): Promise<string[]> {
    const { ListObjectsV2Command } = await loadSdk('@aws-sdk/client-s3');
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: overflowPrefix(sessionId), ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key && KEY_EPOCH.test(o.Key)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const epochOf = (k: string) => Number(KEY_EPOCH.exec(k)?.[1] ?? 0);
    return keys.sort((a, b) => epochOf(b) - epochOf(a));
  }

  private async digestOf(key: string): Promise<string | undefined> {
    const { HeadObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.[DIGEST_META];
    } catch (err) {
      // Deleted between the listing and now: simply not a candidate.
      if (awsErrorName(err) === 'NotFound' || awsErrorName(err) === 'NoSuchKey') return undefined;
      throw err;
    }
  }
}
