import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemediation, type RemediationOutcome } from '../../src/actions/runner.js';
import { runUndo } from '../../src/actions/undo.js';
import type { ActionName } from '../../src/actions/types.js';
import type { Actor } from '../../src/actions/audit/record.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { CorruptSessionDetail } from '../../src/lab/seed/scenario1.js';
import type { LockDetail } from '../../src/lab/seed/scenario5.js';
import { imageDifferences, sessionImage, startFixLab, type FixLab } from './fix-lab.js';

const ACTOR: Actor = { osUser: 'test', host: 'test-host' };
let lab: FixLab;
let manifest: SeedManifest;

beforeAll(async () => {
  lab = await startFixLab();
  manifest = await lab.seed({ scenarios: [1, 2, 5], sessions: 20 });
});
afterAll(async () => {
  await lab?.stop();
});

const details = <T>(n: number, key: string) => (manifest.scenarios.find((s) => s.scenario === n)!.details[key] as T[]);

function fix(action: ActionName, id: string, opts: { agent?: string; force?: boolean; dryRun?: boolean } = {}): Promise<RemediationOutcome> {
  return runRemediation(lab.env(), {
    action,
    sessionId: parseSessionId(id),
    planOptions: { ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.force ? { force: true } : {}) },
    command: `fix session ${id} --action ${action}`,
    ...(opts.dryRun ? { dryRun: true } : {}),
    approve: async () => 'approved',
    audit: lab.audit,
    actor: async () => ACTOR,
  });
}

const undo = (auditId: string, force = false) =>
  runUndo(lab.env(), { auditId, force, command: `undo ${auditId}`, approve: async () => 'approved', audit: lab.audit, actor: async () => ACTOR });

/** Plan, dry run, apply, verify, idempotent rerun, undo, and the exact comparison. */
async function roundTrip(action: ActionName, id: SessionId, opts: { agent?: string; force?: boolean } = {}) {
  const before = await sessionImage(lab, id);
  const dry = await fix(action, id, { ...opts, dryRun: true });
  expect(dry.status).toBe('planned');
  expect(dry.plan.diff.entries.length).toBeGreaterThan(0);
  expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);

  const done = await fix(action, id, opts);
  expect(done.status, JSON.stringify(done.verification)).toBe('applied');
  expect(done.exitCode).toBe(0);
  expect(done.verification?.ok).toBe(true);
  expect(done.applied?.preImage.quarantineKey).toMatch(/^manga:quarantine:/);
  const fixed = await sessionImage(lab, id);
  expect(imageDifferences(before, fixed).length).toBeGreaterThan(0);

  const again = await fix(action, id, opts);
  expect(again.status).toBe('already-applied');
  expect(again.exitCode).toBe(0);
  expect(imageDifferences(fixed, await sessionImage(lab, id), 5000)).toEqual([]);

  const undone = await undo(done.auditId!);
  expect(undone.status, JSON.stringify(undone.error)).toBe('restored');
  expect(undone.exitCode).toBe(0);
  expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);
  return done;
}

describe('scenario 1 actions on the seeded corrupt sessions', () => {
  it('restore-backup: plan, apply, verify, rerun, undo, byte for byte', async () => {
    const s = details<CorruptSessionDetail>(1, 'sessions').find((d) => d.backup === 'good' && d.ttlMissing)
      ?? details<CorruptSessionDetail>(1, 'sessions').find((d) => d.backup === 'good')!;
    const done = await roundTrip('restore-backup', parseSessionId(s.id));
    expect(done.plan.diff.turns?.before).toBe(s.totalEntries);
  });

  it('restore-backup is refused when the backup is missing, and nothing changes', async () => {
    const s = details<CorruptSessionDetail>(1, 'sessions').find((d) => d.backup === 'missing')!;
    const before = await sessionImage(lab, parseSessionId(s.id));
    const r = await fix('restore-backup', s.id);
    expect(r.status).toBe('refused');
    expect(r.exitCode).toBe(5);
    expect(r.error?.message).toMatch(/backup is missing/);
    expect(imageDifferences(before, await sessionImage(lab, parseSessionId(s.id)), 5000)).toEqual([]);
  });

  it('partial-recover keeps the valid turns', async () => {
    const s = details<CorruptSessionDetail>(1, 'sessions').find((d) => d.backup === 'corrupt')!;
    const done = await roundTrip('partial-recover', parseSessionId(s.id));
    expect(done.plan.diff.turns).toEqual({ before: s.totalEntries, after: s.validEntries });
  });

  it('clean-slate removes every session key but the lock, and undo puts them all back', async () => {
    const s = details<CorruptSessionDetail>(1, 'sessions').find((d) => d.backup === 'missing')!;
    const done = await roundTrip('clean-slate', parseSessionId(s.id));
    expect(done.plan.diff.deleted.length).toBeGreaterThanOrEqual(2);
  });
});

describe('scenario 2 actions on the seeded routing loops', () => {
  const loops = () => details<{ id: string; agents: string[] }>(2, 'loops');

  it('clear-routing', async () => {
    await roundTrip('clear-routing', parseSessionId(loops()[0]!.id));
  });

  it('pin-agent pins the core\'s fallback by default', async () => {
    const loop = loops()[1]!;
    const done = await roundTrip('pin-agent', parseSessionId(loop.id));
    expect(loop.agents).toContain(done.plan.summary.match(/pinned (\S+)/)?.[1]);
  });

  it('pin-agent without --agent is refused on a session whose routes do not loop', async () => {
    const healthy = manifest.scenarios.flatMap((s) => s.affectedSessions);
    const all = await lab.redis.keys('manga:session:*:turns');
    const id = all.map((k) => k.split(':')[2]!).find((x) => !healthy.includes(x))!;
    const r = await fix('pin-agent', id);
    expect(r.status).toBe('refused');
  });
});

describe('scenario 5: release-lock', () => {
  const locks = () => details<LockDetail>(5, 'locks');

  it('releases a lock with no expiry and undo puts it back', async () => {
    await roundTrip('release-lock', parseSessionId(locks().find((l) => l.expiry === 'none')!.id));
  });

  it('refuses a live holder, saying who and for how long, and changes nothing', async () => {
    const live = locks().find((l) => l.expiry === 'lease')!;
    const before = await sessionImage(lab, parseSessionId(live.id));
    const r = await fix('release-lock', live.id);
    expect(r.status).toBe('refused');
    expect(r.exitCode).toBe(5);
    expect(r.error?.code).toBe('LOCK_HELD');
    expect(r.error?.message).toMatch(/pid \d+.*lease \d+ ms left/);
    expect(imageDifferences(before, await sessionImage(lab, parseSessionId(live.id)), 5000)).toEqual([]);
  });

  it('releases a live holder with --force', async () => {
    const live = locks().find((l) => l.expiry === 'lease')!;
    const r = await fix('release-lock', live.id, { force: true });
    expect(r.status).toBe('applied');
    expect(await lab.redis.exists(`manga:session:${live.id}:lock`)).toBe(0);
  });
});
