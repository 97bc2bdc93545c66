import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemediation, type RemediationOutcome } from '../../src/actions/runner.js';
import { runUndo } from '../../src/actions/undo.js';
import type { ActionName } from '../../src/actions/types.js';
import type { Actor } from '../../src/actions/audit/record.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import { itemSizeBytes, SAFE_ITEM_BYTES, SessionSizeManager } from '../../src/core/size/index.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { LargeItemDetail } from '../../src/lab/seed/scenario4.js';
import { imageDifferences, sessionImage, startFixLab, type FixLab } from './fix-lab.js';

const ACTOR: Actor = { osUser: 'test', host: 'test-host' };
let lab: FixLab;
let manifest: SeedManifest;

beforeAll(async () => {
  lab = await startFixLab();
  manifest = await lab.seed({ scenarios: [3, 4], sessions: 20 });
});
afterAll(async () => {
  await lab?.stop();
});

const fix = (action: ActionName, id: string, dryRun = false): Promise<RemediationOutcome> =>
  runRemediation(lab.env(), {
    action,
    sessionId: parseSessionId(id),
    command: `fix session ${id} --action ${action}`,
    ...(dryRun ? { dryRun } : {}),
    approve: async () => 'approved',
    audit: lab.audit,
    actor: async () => ACTOR,
  });
const undo = (auditId: string) => runUndo(lab.env(), { auditId, force: false, command: `undo ${auditId}`, approve: async () => 'approved', audit: lab.audit, actor: async () => ACTOR });
const large = () => manifest.scenarios.find((s) => s.scenario === 4)!.details.items as LargeItemDetail[];
const manager = () => new SessionSizeManager({ ddb: lab.ddb, s3: lab.s3, table: 'manga_sessions', bucket: 'manga-session-overflow' });

async function roundTrip(action: ActionName, id: SessionId) {
  const before = await sessionImage(lab, id);
  const dry = await fix(action, id, true);
  expect(dry.status).toBe('planned');
  expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);
  const done = await fix(action, id);
  expect(done.status, JSON.stringify(done)).toBe('applied');
  expect(done.verification?.ok).toBe(true);
  expect(done.applied?.preImage.s3Key).toMatch(new RegExp(`^quarantine/${id}/`));
  const fixed = await sessionImage(lab, id);
  expect(imageDifferences(before, fixed).length).toBeGreaterThan(0);
  const again = await fix(action, id);
  expect(again.status).toBe('already-applied');
  expect(imageDifferences(fixed, await sessionImage(lab, id), 5000)).toEqual([]);
  const undone = await undo(done.auditId!);
  expect(undone.status, JSON.stringify(undone.error)).toBe('restored');
  expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);
  return { done, before, fixed };
}

describe('scenario 4: compact and overflow on the seeded power users', () => {
  it('compact: history to S3 first, item under the limit, rehydrates fully; undo restores item and S3', async () => {
    const over = large().find((d) => d.overLimit)!;
    const id = parseSessionId(over.id);
    const fullBefore = await manager().loadFullSession(id);
    const { done, fixed } = await roundTrip('compact', id);
    expect(done.plan.diff.item!.bytesBefore).toBe(over.sizeBytes);
    expect(done.plan.diff.item!.bytesAfter).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    expect(done.plan.diff.item!.headroomAfter).toBe(400 * 1024 - done.plan.diff.item!.bytesAfter);
    expect(Object.keys(fixed.s3)).toHaveLength(1);
    expect(itemSizeBytes(fixed.item!)).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    expect(fullBefore.turns.length).toBe(over.turnCount);
  });

  it('overflow keeps 5 turns', async () => {
    const id = parseSessionId(large().filter((d) => d.overLimit)[1]!.id);
    const { done } = await roundTrip('overflow', id);
    expect(done.plan.diff.turns?.after).toBeLessThanOrEqual(5);
  });

  it('compact is refused on a small session', async () => {
    const small = manifest.scenarios.find((s) => s.scenario === 3)!.affectedSessions[0]!;
    const r = await fix('compact', small);
    expect(r.status).toBe('refused');
    expect(r.exitCode).toBe(5);
    expect(r.error?.message).toMatch(/small session/);
  });
});

describe('scenario 3: flag-review', () => {
  it('marks an ungrounded answer for review; undo removes the mark exactly', async () => {
    const id = parseSessionId(manifest.scenarios.find((s) => s.scenario === 3)!.affectedSessions[0]!);
    const { done, fixed } = await roundTrip('flag-review', id);
    expect((fixed.item!.review as { flagged_by: string }).flagged_by).toBe(done.auditId);
  });

  it('is refused on a session whose answers were grounded', async () => {
    const affected = new Set(manifest.scenarios.flatMap((s) => s.affectedSessions));
    const keys = await lab.redis.keys('manga:session:*:turns');
    const healthy = keys.map((k) => k.split(':')[2]!).find((x) => !affected.has(x))!;
    const r = await fix('flag-review', healthy);
    expect(r.status).toBe('refused');
    expect(r.error?.message).toMatch(/no answer/);
  });
});
