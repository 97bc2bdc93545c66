/**
 * Session size management that loses nothing (scenario 4; the seed's SessionSizeManager,
 * with its flaws fixed):
 *
 * - size is measured by {@link itemSizeBytes} (DynamoDB's rules), never by a JSON length,
 *   and never left for DynamoDB (or dynalite, which counts UTF-16 units) to reject;
 * - the full history goes to S3 before the item drops anything: the seed's compaction threw
 *   old turns away and only its second step kept a copy;
 * - every write is conditional on the `version` that was read, so a concurrent writer
 *   makes the compaction fail with {@link SessionVersionConflictError} instead of being
 *   silently overwritten;
 * - crash-safe in either order of failure: before the DynamoDB write the item still holds
 *   everything (the snapshot is an orphan the rerun reuses); after it, a rerun finds the
 *   item already compacted and does nothing.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { CoreError } from '../errors.js';
import type { SessionId } from '../session-id.js';
import { awsErrorName, SessionVersionConflictError } from './errors.js';
import { assembleHistory, type AssembledHistory } from './history.js';
import { itemSizeBytes, SAFE_ITEM_BYTES } from './item-size.js';
import { OverflowStore } from './overflow-store.js';
import { DEFAULT_RECENT_TURNS, OVERFLOW_RECENT_TURNS, planCompaction, type CompactionPlan } from './plan.js';
import { compactedTurnCount, itemTurns, itemVersion, withoutUndefined, type SessionItem } from './session-item.js';

export interface SessionSizeDeps {
  ddb: DynamoDBDocumentClient;
  /** An S3 client; for s3rver it needs `forcePathStyle` and `requestChecksumCalculation: 'WHEN_REQUIRED'`. */
  s3: S3Client;
  /** The sessions table (`manga_sessions`), partition key `session_id`. */
  table: string;
  /** The overflow bucket (`manga-session-overflow`). */
  bucket: string;
  /** Epoch-ms clock; injectable so tests and replays are deterministic. */
  now?: () => number;
  /** KMS key for the snapshots; the bucket's `aws/s3` key when absent. */
  kmsKeyId?: string;
  /** Largest item written without compacting. Default {@link SAFE_ITEM_BYTES}. */
  limitBytes?: number;
}

/**
 * A session with its whole history put back together: `turns` holds every turn any store
 * holds, oldest first, without duplicates; `missingTurnCount` the turns no store holds any
 * more (dropped by a seed compaction that kept no copy).
 */
export interface FullSession extends AssembledHistory {
  sessionId: string;
  /** The item as stored. */
  item: SessionItem;
  snapshotKey: string | undefined;
}

export interface CompactionResult {
  /** False for a no-op: the item was already compact (an idempotent rerun). */
  changed: boolean;
  plan: CompactionPlan;
  snapshotKey: string | undefined;
  /** True when an identical snapshot left by an interrupted run was reused. */
  reusedSnapshot: boolean;
  /** The item's version after the call. */
  version: number | undefined;
}

/**
 * Checked on the item a compaction read, before it writes anything; throws to refuse. `fix`
 * passes one that compares the item with the pre-image it saved and showed the engineer.
 */
export type CompactionPrecondition = (item: SessionItem) => void;

export interface SaveResult {
  action: 'put' | 'compact' | 'overflow';
  /** Size of the item written, by {@link itemSizeBytes}. */
  bytes: number;
  version: number;
  compaction: CompactionResult | undefined;
}

export class SessionSizeManager {
  private readonly store: OverflowStore;
  private readonly now: () => number;
  private readonly limitBytes: number;

  constructor(private readonly deps: SessionSizeDeps) {
    this.store = new OverflowStore(deps.s3, deps.bucket, deps.kmsKeyId);
    this.now = deps.now ?? Date.now;
    this.limitBytes = deps.limitBytes ?? SAFE_ITEM_BYTES;
  }

  /**
   * The read path: the item (consistent read) plus its S3 snapshot, joined in order without
   * duplicates. Understands items written by the seed as well.
   *
   * @throws CoreError('NOT_FOUND') for no such session; CoreError('CORRUPT_DATA') when the
   *   snapshot the item points to is missing or does not join the item's turns.
   */
  async loadFullSession(id: SessionId): Promise<FullSession> {
    const item = await this.readItem(id);
    return this.assemble(id, item);
  }

  /** What {@link compactSession} would do now, without writing (for `--dry-run`). */
  async previewCompaction(id: SessionId, opts: { recent?: number; mode?: 'compact' | 'overflow' } = {}): Promise<CompactionPlan> {
    const full = await this.loadFullSession(id);
    return planCompaction(full.item, { ...opts, history: full, now: this.now(), limitBytes: this.limitBytes });
  }

  /**
   * Moves all but the `recent` newest turns (default 10) out of the item: full history to S3
   * first, then the item rewritten conditionally on the version read. A no-op when the item
   * has no more than `recent` turns and fits.
   *
   * @throws SessionVersionConflictError when another writer changed the item meanwhile;
   *   CoreError('ITEM_TOO_LARGE') when even an item without turns would not fit (nothing written).
   */
  async compactSession(id: SessionId, opts: { recent?: number; precondition?: CompactionPrecondition } = {}): Promise<CompactionResult> {
    return this.compact(id, opts.recent ?? DEFAULT_RECENT_TURNS, 'compact', opts.precondition);
  }

  /** The seed's step 2: as {@link compactSession}, keeping 5 turns. */
  async overflowSession(id: SessionId, opts: { precondition?: CompactionPrecondition } = {}): Promise<CompactionResult> {
    return this.compact(id, OVERFLOW_RECENT_TURNS, 'overflow', opts.precondition);
  }

  /**
   * What the orchestrator calls to save a session it loaded and extended: `session.turns`
   * are the turns after `session.compacted_turn_count` (as in the item), `session.version`
   * the version it read (absent for a new session). A plain conditional put when the item
   * fits; otherwise a compaction (10 recent turns) or, if that is still too large, an overflow.
   *
   * @throws SessionVersionConflictError, CoreError('ITEM_TOO_LARGE') as {@link compactSession}.
   */
  async saveSessionWithSizeGuard(id: SessionId, session: SessionItem): Promise<SaveResult> {
    const now = this.now();
    const expected = itemVersion(session);
    const item = withoutUndefined({
      ...session,
      session_id: id,
      turn_count: compactedTurnCount(session) + itemTurns(session).length,
      updated_at: now,
      version: (expected ?? 0) + 1,
    });
    const bytes = itemSizeBytes(item);
    if (bytes <= this.limitBytes) {
      await this.put(item, expected, false, undefined);
      return { action: 'put', bytes, version: (expected ?? 0) + 1, compaction: undefined };
    }
    const current = { ...item, version: expected };
    const full = await this.assemble(id, current);
    const plan = planCompaction(current, { history: full, now, limitBytes: this.limitBytes, force: true });
    const compaction = await this.apply(plan, false);
    return { action: plan.action === 'overflow' ? 'overflow' : 'compact', bytes: plan.bytesAfter, version: compaction.version ?? 0, compaction };
  }

  private async compact(id: SessionId, recent: number, mode: 'compact' | 'overflow', precondition?: CompactionPrecondition): Promise<CompactionResult> {
    const full = await this.loadFullSession(id);
    // Before anything is written: the write below is conditional on this read's version.
    precondition?.(full.item);
    // An item whose counters had to be realigned (the seed's overflow) is rewritten even when
    // small, so that its counters tell the truth again.
    const force = full.layout === 'snapshot-realigned';
    const plan = planCompaction(full.item, { recent, mode, history: full, now: this.now(), limitBytes: this.limitBytes, force });
    if (plan.action === 'none') {
      return { changed: false, plan, snapshotKey: full.snapshotKey, reusedSnapshot: false, version: plan.expectedVersion };
    }
    return this.apply(plan, true);
  }

  private async apply(plan: CompactionPlan, requireExisting: boolean): Promise<CompactionResult> {
    if (!plan.fits || !plan.snapshot) {
      throw new CoreError(
        'ITEM_TOO_LARGE',
        `session ${plan.sessionId}: ${plan.bytesAfter} bytes even with ${plan.keptTurns} turns kept (limit ${plan.limitBytes}); nothing was written`,
        { suggestion: 'attributes other than the turns are too large: inspect the item' },
      );
    }
    const written = await this.store.write(plan.snapshot, plan.at);
    const next = { ...plan.nextItem, s3_overflow_key: written.key };
    // The key was chosen after planning; its length is all that can differ, but measure again.
    if (itemSizeBytes(next) > plan.limitBytes) {
      throw new CoreError('ITEM_TOO_LARGE', `session ${plan.sessionId}: over the limit by the snapshot key; nothing was written to DynamoDB`);
    }
    await this.put(next, plan.expectedVersion, requireExisting, written.key);
    return { changed: true, plan, snapshotKey: written.key, reusedSnapshot: written.reused, version: (plan.expectedVersion ?? 0) + 1 };
  }

  private async put(item: SessionItem, expected: number | undefined, requireExisting: boolean, snapshotKey: string | undefined) {
    const names: Record<string, string> = { '#v': 'version' };
    let condition: string;
    if (expected !== undefined) condition = '#v = :v';
    else if (requireExisting) {
      condition = 'attribute_exists(#pk) AND attribute_not_exists(#v)';
      names['#pk'] = 'session_id';
    } else condition = 'attribute_not_exists(#v)';
    try {
      await this.deps.ddb.send(
        new PutCommand({
          TableName: this.deps.table,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ...(expected !== undefined ? { ExpressionAttributeValues: { ':v': expected } } : {}),
        }),
      );
    } catch (err) {
      if (awsErrorName(err) === 'ConditionalCheckFailedException') {
        throw new SessionVersionConflictError(String(item.session_id), expected, snapshotKey, err);
      }
      throw err;
    }
  }

  private async readItem(id: SessionId): Promise<SessionItem> {
    const out = await this.deps.ddb.send(new GetCommand({ TableName: this.deps.table, Key: { session_id: id }, ConsistentRead: true }));
    if (!out.Item) throw new CoreError('NOT_FOUND', `session ${id} is not in table ${this.deps.table}`);
    return out.Item as SessionItem;
  }

  private async assemble(id: string, item: SessionItem): Promise<FullSession> {
    const key = typeof item.s3_overflow_key === 'string' && item.s3_overflow_key !== '' ? item.s3_overflow_key : undefined;
    const snapshot = key ? await this.store.read(key) : undefined;
    const joined = assembleHistory({ ...item, session_id: id }, snapshot);
    return { ...joined, sessionId: id, item, snapshotKey: key };
  }
}
