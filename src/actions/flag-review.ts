/**
 * flag-review (scenario 3): mark a session whose answer was ungrounded (a grounding tool
 * failed and the answer named titles the catalog does not have, or claimed prices and stock
 * with no tool answer) for review by the AI Safety team. The mark is the `review` attribute
 * of the session's DynamoDB item (see src/core/items/review-mark.ts for why there); the
 * item's pre-image goes to S3 first, and undo puts it back.
 */
import { checkGrounding, GROUNDING_REQUIRED_TOOLS } from '../core/grounding/index.js';
import { itemDigest, readSessionItem, reviewMarkOf, setReviewMark, REVIEW_ATTRIBUTE, type ReviewMark } from '../core/items/index.js';
import { itemSizeBytes, MAX_ITEM_BYTES, type SessionItem, type SessionTurn } from '../core/size/index.js';
import { itemKeyOf, preImageStoreOf, undoItemFix } from './item-undo.js';
import { refusedPlan } from './redis-repair.js';
import type { ActionEnv, RemediationAction } from './types.js';

interface FlagState {
  item: SessionItem;
  reason: string;
  turnTs: number | null;
}

/** The grounding tool that failed for this assistant turn: from its tool_calls or the tool turn before it. */
function failedTool(turns: readonly SessionTurn[], i: number): string | null {
  const turn = turns[i]!;
  const calls = Array.isArray(turn.tool_calls) ? (turn.tool_calls as Array<Record<string, unknown>>) : [];
  for (const c of calls) {
    if (typeof c?.tool === 'string' && GROUNDING_REQUIRED_TOOLS.has(c.tool) && (c.status === 'timeout' || c.status === 'error')) return c.tool;
  }
  const prev = turns[i - 1];
  if (prev?.role === 'tool' && typeof prev.content === 'string') {
    try {
      const o = JSON.parse(prev.content) as Record<string, unknown>;
      if (typeof o.tool === 'string' && GROUNDING_REQUIRED_TOOLS.has(o.tool) && (o.status === 'timeout' || o.status === 'error')) return o.tool;
    } catch {
      // A tool turn that is not JSON says nothing about a failure.
    }
  }
  return null;
}

/** The newest assistant answer given after a failed grounding tool that the grounding check does not pass. */
export async function findUngroundedAnswer(env: ActionEnv, turns: readonly SessionTurn[]): Promise<{ reason: string; turnTs: number | null } | null> {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role !== 'assistant' || typeof turn.content !== 'string') continue;
    const tool = failedTool(turns, i);
    if (!tool) continue;
    const result = await checkGrounding({ responseText: turn.content, toolResults: [], failedTools: [tool], catalog: await env.catalog() });
    if (result.action === 'PASS') continue;
    const unknown = result.titles.filter((t) => t.status === 'unknown').length;
    const reason =
      unknown > 0
        ? `${unknown} title(s) not in the catalog named after ${tool} failed`
        : `${result.ungrounded.length + result.unsupportedClaims.length} claim(s) without tool data after ${tool} failed`;
    return { reason, turnTs: typeof turn.ts === 'number' ? turn.ts : null };
  }
  return null;
}

export const flagReview: RemediationAction = {
  name: 'flag-review',
  scenario: 3,
  stores: ['dynamodb', 's3'],
  description: `mark a session whose answer was ungrounded for review (the \`${REVIEW_ATTRIBUTE}\` attribute of its DynamoDB item)`,

  async plan(env, id) {
    const item = await readSessionItem(await env.ddb(), env.config.names.sessionsTable, id);
    if (!item) return refusedPlan('flag-review', id, { code: 'NOT_FOUND', message: `session ${id} is not in table ${env.config.names.sessionsTable}` });
    const existing = reviewMarkOf(item);
    const fingerprint = itemDigest(item);
    const empty = { entries: [], turns: null, item: null, written: [], deleted: [] };
    if (existing) {
      return { action: 'flag-review', sessionId: id, status: 'noop', summary: `already flagged for review (${existing.reason}; by ${existing.flagged_by})`, diff: empty, fingerprint, state: null };
    }
    const turns = Array.isArray(item.turns) ? item.turns : [];
    const found = await findUngroundedAnswer(env, turns);
    if (!found) {
      return refusedPlan('flag-review', id, { code: 'NOT_APPLICABLE', message: 'no answer in this session followed a failed grounding tool and named ungrounded titles or claims', suggestion: 'check the session with `inspect session`' });
    }
    const bytes = itemSizeBytes(item);
    const mark: ReviewMark = { status: 'pending', reason: found.reason, turn_ts: found.turnTs, flagged_at: env.now(), flagged_by: 'fx-0000000000-000000' };
    const after = itemSizeBytes({ ...item, [REVIEW_ATTRIBUTE]: mark, version: (Number(item.version) || 0) + 1 });
    const state: FlagState = { item, reason: found.reason, turnTs: found.turnTs };
    return {
      action: 'flag-review',
      sessionId: id,
      status: 'ready',
      summary: `flag for review: ${found.reason}`,
      diff: {
        entries: [
          { store: 'dynamodb', key: `${itemKeyOf(env, id)} (${REVIEW_ATTRIBUTE})`, change: 'write', before: { type: 'item', entries: turns.length, bytes, ttlMs: null }, after: { type: 'item', entries: turns.length, bytes: after, ttlMs: null } },
          { store: 's3', key: `s3://${env.config.names.overflowBucket}/quarantine/${id}/... (pre-image)`, change: 'create', before: null, after: { type: 'object', bytes, ttlMs: null } },
        ],
        turns: null,
        item: { bytesBefore: bytes, bytesAfter: after, limitBytes: MAX_ITEM_BYTES, headroomBefore: MAX_ITEM_BYTES - bytes, headroomAfter: MAX_ITEM_BYTES - after },
        written: [itemKeyOf(env, id)],
        deleted: [],
      },
      fingerprint,
      state,
    };
  },

  async apply(env, plan, hooks) {
    const state = plan.state as FlagState;
    const table = env.config.names.sessionsTable;
    const saved = await (await preImageStoreOf(env)).save({ sessionId: plan.sessionId, table, action: 'flag-review', at: env.now(), item: state.item });
    await hooks.beforeWrite({ s3Key: saved.key });
    const mark: ReviewMark = { status: 'pending', reason: state.reason, turn_ts: state.turnTs, flagged_at: env.now(), flagged_by: hooks.auditId };
    // Conditional on the version of the item planned on: a change since is refused.
    const written = await setReviewMark(await env.ddb(), table, state.item, mark);
    return {
      status: 'applied',
      preImage: { s3Key: saved.key },
      keysWritten: [itemKeyOf(env, plan.sessionId)],
      keysDeleted: [],
      details: { versionAfter: written.version, reason: state.reason, turnTs: state.turnTs },
      state: hooks.auditId,
    };
  },

  async verify(env, plan, result) {
    const item = await readSessionItem(await env.ddb(), env.config.names.sessionsTable, plan.sessionId);
    const mark = reviewMarkOf(item);
    const ok = mark?.flagged_by === result.state;
    return {
      ok,
      checks: [{ name: 'review mark set', ok, detail: ok ? `${REVIEW_ATTRIBUTE}.status = pending, by ${mark?.flagged_by}` : 'no mark of this fix on the item' }],
      after: { itemDigest: itemDigest(item) },
    };
  },

  undo: undoItemFix,
};
