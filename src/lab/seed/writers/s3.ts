/**
 * The overflow bucket: created when missing, emptied when present, so a re-seed starts
 * with no overflowed histories (the seed writes none; fixes write them).
 */
import type { S3Client } from '@aws-sdk/client-s3';

export async function ensureEmptyBucket(client: S3Client, bucket: string): Promise<void> {
  const { CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    // A HEAD response has no body to carry an error code: s3rver's 404 reaches the SDK as
    // UnknownError, so the status decides (a missing bucket is the only 404 of HeadBucket).
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name !== 'NotFound' && e.name !== 'NoSuchBucket' && e.$metadata?.httpStatusCode !== 404) throw err;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return;
  }
  // One by one: s3rver and DeleteObjects' required checksum do not always agree, and the
  // overflow bucket of a lab holds a handful of objects.
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => typeof k === 'string');
    if (keys.length === 0) return;
    for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }
}
