/**
 * Putting a `manga_sessions` item back to a pre-image (undo of compact, overflow and
 * flag-review), and removing the overflow snapshot a compaction created. The write is
 * conditional on the version found, so a writer racing the undo is never overwritten.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadSdk } from '../aws-sdk.js';
import { CoreError } from '../errors.js';
import { awsErrorName } from '../size/errors.js';
import type { SessionItem } from '../size/session-item.js';
import { itemDigest } from './item-preimage.js';

/** Reads the item (strongly consistent), or null. */
export async function readSessionItem(ddb: DynamoDBDocumentClient, table: string, sessionId: string): Promise<SessionItem | null> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: { session_id: sessionId }, ConsistentRead: true }));
  return (out.Item as SessionItem | undefined) ?? null;
}

export interface RestoreItemOptions {
  /**
   * The digest the item must have now (the item as the fix left it). Anything else means the
   * session changed since the fix: refused with PRECONDITION_FAILED. Omit to force.
   */
  expectDigest?: string;
}

/**
 * Writes `preImage` back (deletes the item when the pre-image is null). Returns `already`
 * when the item already equals the pre-image (an idempotent rerun), `restored` otherwise.
 *
 * @throws CoreError PRECONDITION_FAILED when the item is not the one the fix left (without
 *   force) or changed between this read and the write.
 */
export async function restoreSessionItem(
  ddb: DynamoDBDocumentClient,
  table: string,
  sessionId: string,
  preImage: SessionItem | null,
  opts: RestoreItemOptions = {},
): Promise<'restored' | 'already'> {
  const current = await readSessionItem(ddb, table, sessionId);
  const currentDigest = itemDigest(current);
  if (currentDigest === itemDigest(preImage)) return 'already';
  if (opts.expectDigest !== undefined && currentDigest !== opts.expectDigest) {
    throw new CoreError('PRECONDITION_FAILED', `session ${sessionId}: the DynamoDB item changed since the fix`, {
      suggestion: 'inspect the session; pass --force to put the pre-image back anyway (the current item is saved first)',
    });
  }
  // Conditional on what was just read: version when it has one, else mere existence.
  const version = current?.version;
  // DynamoDB rejects names and values the expression does not use: only the ones it needs.
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let condition: string;
  if (current === null) {
    names['#pk'] = 'session_id';
    condition = 'attribute_not_exists(#pk)';
  } else if (typeof version === 'number') {
    names['#v'] = 'version';
    values[':v'] = version;
    condition = '#v = :v';
  } else {
    Object.assign(names, { '#pk': 'session_id', '#v': 'version' });
    condition = 'attribute_exists(#pk) AND attribute_not_exists(#v)';
  }
  const conditional = { ConditionExpression: condition, ExpressionAttributeNames: names, ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}) };
  try {
    if (preImage === null) await ddb.send(new DeleteCommand({ TableName: table, Key: { session_id: sessionId }, ...conditional }));
    else await ddb.send(new PutCommand({ TableName: table, Item: preImage, ...conditional }));
  } catch (err) {
    if (awsErrorName(err) === 'ConditionalCheckFailedException') {
      throw new CoreError('PRECONDITION_FAILED', `session ${sessionId}: the DynamoDB item changed while it was being restored`, { cause: err, suggestion: 'run the undo again' });
    }
    throw err;
  }
  return 'restored';
}

/**
 * Deletes an overflow snapshot a fix created (the caller checks it did not exist before the
 * fix and that the restored item does not point to it). Idempotent: a missing object is fine.
 */
export async function deleteCreatedSnapshot(s3: S3Client, bucket: string, key: string): Promise<void> {
  const { DeleteObjectCommand } = await loadSdk('@aws-sdk/client-s3');
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (awsErrorName(err) === 'NoSuchKey' || awsErrorName(err) === 'NotFound') return;
    throw err;
  }
}
