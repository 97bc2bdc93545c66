/**
 * The scenario-3 review mark (`flag-review`): a session whose answer was not grounded (a
 * tool timed out and the agent named titles anyway) is marked for the AI Safety team.
 *
 * Where it lives: a `review` map attribute on the session's `manga_sessions` item, because
 * the item is the durable copy (Redis session keys expire after 30 minutes; a review happens
 * days later) and a reviewer looks the session up there. Setting it bumps `version`, so an
 * orchestrator holding an older read gets a conditional-check failure, re-reads, and carries
 * the mark along (unknown attributes are kept by the size manager) instead of dropping it.
 * The mark holds no message content: the turn's time and counts only. Undo puts the item's
 * pre-image back (see item-restore.ts).
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CoreError } from '../errors.js';
import { awsErrorName } from '../size/errors.js';
import type { SessionItem } from '../size/session-item.js';

export const REVIEW_ATTRIBUTE = 'review';

export interface ReviewMark {
  status: 'pending';
  /** Why, in one line without content, e.g. "2 titles not in the catalog after search_manga_catalog timed out". */
  reason: string;
  /** The flagged assistant turn's `ts`. */
  turn_ts: number | null;
  flagged_at: number;
  /** The audit record id of the fix that set it. */
  flagged_by: string;
}

/** The item's current mark, if it carries one. */
export function reviewMarkOf(item: SessionItem | null): ReviewMark | null {
  const mark = item?.[REVIEW_ATTRIBUTE];
  return mark && typeof mark === 'object' && (mark as { status?: unknown }).status === 'pending' ? (mark as ReviewMark) : null;
}

/**
 * Sets the mark on the item read as `item`, conditionally on its version (or on its having
 * none), bumping the version. Returns the item as written.
 *
 * @throws CoreError PRECONDITION_FAILED when the item changed since it was read.
 */
export async function setReviewMark(ddb: DynamoDBDocumentClient, table: string, item: SessionItem, mark: ReviewMark): Promise<SessionItem> {
  const id = item.session_id;
  if (typeof id !== 'string') throw new CoreError('CORRUPT_DATA', 'session item without session_id');
  const version = typeof item.version === 'number' ? item.version : undefined;
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { session_id: id },
        UpdateExpression: 'SET #r = :mark, #v = :next',
        ConditionExpression: version === undefined ? 'attribute_exists(#pk) AND attribute_not_exists(#v)' : '#v = :v',
        ExpressionAttributeNames: { '#r': REVIEW_ATTRIBUTE, '#v': 'version', ...(version === undefined ? { '#pk': 'session_id' } : {}) },
        ExpressionAttributeValues: { ':mark': mark, ':next': (version ?? 0) + 1, ...(version === undefined ? {} : { ':v': version }) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes as SessionItem;
  } catch (err) {
    if (awsErrorName(err) === 'ConditionalCheckFailedException') {
      throw new CoreError('PRECONDITION_FAILED', `session ${id}: the DynamoDB item changed since it was read`, { cause: err, suggestion: 'run the fix again to plan it on the current item' });
    }
    throw err;
  }
}
