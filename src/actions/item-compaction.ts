/**
 * What compact and overflow share (scenario 4): the core's SessionSizeManager does the work
 * (full history to S3 first, then the item, conditional on the version read); this adds the
 * plan as a data diff, the item's pre-image in S3 before anything is written, the
 * precondition (the item is still the one planned) and the verification (the item is under
 * the limit and the history rehydrates to exactly the turns it had).
 */
import { CoreError } from '../core/errors.js';
import { itemDigest } from '../core/items/index.js';
import type { SessionId } from '../core/session-id.js';
import {
  DEFAULT_RECENT_TURNS,
  encodeSnapshot,
  itemSizeBytes,
  MAX_ITEM_BYTES,
  OVERFLOW_RECENT_TURNS,
  planCompaction,
  SAFE_ITEM_BYTES,
  SessionSizeManager,
  type CompactionResult,
  type FullSession,
  type SessionItem,
} from '../core/size/index.js';
import { canonicalTurn } from '../core/size/history-codec.js';
import { refusedPlan } from './redis-repair.js';
import { itemKeyOf, preImageStoreOf, undoItemFix } from './item-undo.js';
import type { ActionEnv, ActionName, ActionPlan, DataDiff, RemediationAction, Verification } from './types.js';

/**
 * Turns an item may hold before compaction is worth it, whatever its size: the runbook's
 * "hard limit of 50 full turns in the DynamoDB item". Smaller, and under the safe size, a
 * never-compacted session is refused ("compact on a small session").
 */
export const COMPACTION_THRESHOLD_TURNS = 50;

interface CompactionState {
  mode: 'compact' | 'overflow';
  item: SessionItem;
  totalTurns: number;
  history: string[];
}

export function sizeManagerOf(env: ActionEnv, ddb: Awaited<ReturnType<ActionEnv['ddb']>>, s3: Awaited<ReturnType<ActionEnv['s3']>>): SessionSizeManager {
  return new SessionSizeManager({ ddb, s3, table: env.config.names.sessionsTable, bucket: env.config.names.overflowBucket, now: env.now });
}

async function loadOrRefuse(env: ActionEnv, mode: ActionName, id: SessionId): Promise<FullSession | ActionPlan> {
  const mgr = sizeManagerOf(env, await env.ddb(), await env.s3());
  try {
    return await mgr.loadFullSession(id);
  } catch (err) {
    if (err instanceof CoreError && err.code === 'NOT_FOUND') return refusedPlan(mode, id, { code: 'NOT_FOUND', message: err.message });
    if (err instanceof CoreError && err.code === 'CORRUPT_DATA') return refusedPlan(mode, id, { code: 'NOT_APPLICABLE', message: err.message, ...(err.suggestion ? { suggestion: err.suggestion } : {}) });
    throw err;
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export function compactionAction(mode: 'compact' | 'overflow', description: string): RemediationAction {
  const recent = mode === 'overflow' ? OVERFLOW_RECENT_TURNS : DEFAULT_RECENT_TURNS;
  return {
    name: mode,
    scenario: 4,
    stores: ['dynamodb', 's3'],
    description,

    async plan(env, id) {
      const full = await loadOrRefuse(env, mode, id);
      if ('status' in full) return full;
      const own = Array.isArray(full.item.turns) ? full.item.turns.length : 0;
      const bytes = itemSizeBytes(full.item);
      const plan = planCompaction(full.item, { recent, mode, history: full, now: env.now(), limitBytes: SAFE_ITEM_BYTES });
      const compactedBefore = Number(full.item.compacted_turn_count ?? 0) > 0 || typeof full.item.s3_overflow_key === 'string';
      const small = bytes <= SAFE_ITEM_BYTES && own <= COMPACTION_THRESHOLD_TURNS;
      const base = { action: mode, sessionId: id, fingerprint: itemDigest(full.item) } as const;
      const empty: DataDiff = { entries: [], turns: null, item: null, written: [], deleted: [] };
      // Small after a compaction: this fix (or another) already ran. Small and never compacted: refused.
      if (small && compactedBefore) {
        return { ...base, status: 'noop', summary: `already compact: ${own} turns in the item, ${kb(bytes)}, history in ${full.item.s3_overflow_key ?? 'the item'}`, diff: empty, state: null };
      }
      if (small) {
        return refusedPlan(mode, id, {
          code: 'NOT_APPLICABLE',
          message: `a small session: ${own} turns in the item (threshold ${COMPACTION_THRESHOLD_TURNS}), ${kb(bytes)} with ${kb(MAX_ITEM_BYTES - bytes)} of headroom under 400 KB; nothing to ${mode}`,
        });
      }
      if (plan.action === 'none') return { ...base, status: 'noop', summary: `already compact: ${own} turns, ${kb(bytes)}`, diff: empty, state: null };
      if (!plan.fits) {
        return refusedPlan(mode, id, { code: 'ITEM_TOO_LARGE', message: `even with no turns kept the item would be ${kb(plan.bytesAfter)} (limit ${kb(plan.limitBytes)}): attributes other than the turns are too large`, suggestion: 'inspect the item by hand' });
      }
      const table = env.config.names.sessionsTable;
      const bucket = env.config.names.overflowBucket;
      const snapshotBytes = plan.snapshot ? Buffer.byteLength(encodeSnapshot(plan.snapshot), 'utf8') : 0;
      const diff: DataDiff = {
        entries: [
          { store: 'dynamodb', key: itemKeyOf(env, id), change: 'write', before: { type: 'item', entries: own, bytes, ttlMs: null }, after: { type: 'item', entries: plan.keptTurns, bytes: plan.bytesAfter, ttlMs: null } },
          { store: 's3', key: `s3://${bucket}/${plan.nextItem.s3_overflow_key}`, change: 'create', before: null, after: { type: 'object', entries: plan.totalTurns - plan.snapshot!.first_turn_index, bytes: snapshotBytes, ttlMs: null } },
          { store: 's3', key: `s3://${bucket}/quarantine/${id}/... (pre-image of ${table} item)`, change: 'create', before: null, after: { type: 'object', bytes, ttlMs: null } },
        ],
        turns: { before: own, after: plan.keptTurns },
        item: { bytesBefore: bytes, bytesAfter: plan.bytesAfter, limitBytes: MAX_ITEM_BYTES, headroomBefore: MAX_ITEM_BYTES - bytes, headroomAfter: plan.headroomBytes },
        written: [itemKeyOf(env, id), `s3://${bucket}/${plan.nextItem.s3_overflow_key}`],
        deleted: [],
      };
      const state: CompactionState = { mode, item: full.item, totalTurns: full.turns.length + full.missingTurnCount, history: full.turns.map(canonicalTurn) };
      return {
        ...base,
        status: 'ready',
        summary: `${plan.action === 'overflow' ? 'overflow' : 'compact'}: keep ${plan.keptTurns} of ${own} turns in the item (${kb(bytes)} -> ${kb(plan.bytesAfter)}), the whole history of ${plan.totalTurns} turns to S3 first`,
        diff,
        state,
      };
    },

    async apply(env, plan, hooks) {
      const state = plan.state as CompactionState;
      const store = await preImageStoreOf(env);
      const saved = await store.save({ sessionId: plan.sessionId, table: env.config.names.sessionsTable, action: mode, at: env.now(), item: state.item });
      await hooks.beforeWrite({ s3Key: saved.key });
      const mgr = sizeManagerOf(env, await env.ddb(), await env.s3());
      const precondition = (item: SessionItem) => {
        if (itemDigest(item) !== plan.fingerprint) {
          throw new CoreError('PRECONDITION_FAILED', 'the DynamoDB item changed since the fix was planned', { suggestion: 'run the command again to plan the fix on the current item' });
        }
      };
      const r: CompactionResult = mode === 'overflow' ? await mgr.overflowSession(plan.sessionId, { precondition }) : await mgr.compactSession(plan.sessionId, { recent, precondition });
      const bucket = env.config.names.overflowBucket;
      return {
        status: r.changed ? 'applied' : 'already-applied',
        preImage: { s3Key: saved.key },
        keysWritten: r.changed ? [itemKeyOf(env, plan.sessionId), ...(r.snapshotKey && !r.reusedSnapshot ? [`s3://${bucket}/${r.snapshotKey}`] : [])] : [],
        keysDeleted: [],
        details: {
          snapshotKey: r.snapshotKey,
          reusedSnapshot: r.reusedSnapshot,
          versionAfter: r.version,
          bytesBefore: r.plan.bytesBefore,
          bytesAfter: r.plan.bytesAfter,
          keptTurns: r.plan.keptTurns,
          compactedTurnCount: r.plan.compactedTurnCount,
          totalTurns: r.plan.totalTurns,
        },
        state: r,
      };
    },

    async verify(env, plan, result): Promise<Verification> {
      const state = plan.state as CompactionState;
      const r = result.state as CompactionResult;
      const mgr = sizeManagerOf(env, await env.ddb(), await env.s3());
      const full = await mgr.loadFullSession(plan.sessionId);
      const bytes = itemSizeBytes(full.item);
      const joined = full.turns.map(canonicalTurn);
      const same = joined.length === state.history.length && joined.every((t, i) => t === state.history[i]);
      const total = full.turns.length + full.missingTurnCount;
      const checks = [
        { name: 'item under the limit', ok: bytes <= SAFE_ITEM_BYTES, detail: `${kb(bytes)}, ${kb(MAX_ITEM_BYTES - bytes)} of headroom under 400 KB` },
        { name: 'history rehydrates fully', ok: same && total === state.totalTurns, detail: same ? `${joined.length} turns from S3 and the item, as before` : `${joined.length} turns joined, ${state.history.length} before` },
        { name: 'item points to the new snapshot', ok: full.item.s3_overflow_key === r.snapshotKey, detail: String(full.item.s3_overflow_key) },
      ];
      return { ok: checks.every((c) => c.ok), checks, after: { itemDigest: itemDigest(full.item) } };
    },

    undo: undoItemFix,
  };
}
