import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleetFix, type FleetRequest } from '../../src/actions/fleet/run.js';
import { runUndo } from '../../src/actions/undo.js';
import type { Actor } from '../../src/actions/audit/record.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { LockDetail } from '../../src/lab/seed/scenario5.js';
import { imageDifferences, sessionImage, startFixLab, type FixLab } from './fix-lab.js';

const ACTOR: Actor = { osUser: 'test', host: 'test-host' };
let lab: FixLab;
let manifest: SeedManifest;

beforeAll(async () => {
  lab = await startFixLab();
  manifest = await lab.seed({ scenarios: [1, 2, 5], sessions: 200 });
});
afterAll(async () => {
  await lab?.stop();
});

const fleet = (selector: FleetRequest['selector'], extra: Partial<FleetRequest> = {}) =>
  runFleetFix(lab.env(), {
    selector,
    since: Date.now() - 3_600_000,
    command: 'fix fleet',
    approve: async () => 'approved',
    audit: lab.audit,
    actor: async () => ACTOR,
    stateDir: lab.stateDir,
    target: lab.endpoints.redisUrl,
    ...extra,
  });
const affected = (n: number) => manifest.scenarios.find((s) => s.scenario === n)!.affectedSessions;

describe('fix fleet on the seeded lab', () => {
  it('scenario 1: plans per action, changes nothing on a dry run, repairs every corrupt session, reruns as a no-op', async () => {
    const store = new SessionStore({ redis: lab.redis });
    const sample = parseSessionId(affected(1)[0]!);
    const before = await sessionImage(lab, sample);
    const dry = await fleet({ kind: 'scenario', scenario: 1 }, { dryRun: true });
    expect(dry.status).toBe('planned');
    expect(dry.plan.affected).toBe(affected(1).length);
    expect((dry.plan.planned['restore-backup'] ?? 0) + (dry.plan.planned['partial-recover'] ?? 0) + (dry.plan.planned['clean-slate'] ?? 0)).toBe(affected(1).length);
    expect(imageDifferences(before, await sessionImage(lab, sample), 5000)).toEqual([]);

    const run = await fleet({ kind: 'scenario', scenario: 1 }, { concurrency: 2, rate: 10_000 });
    expect(run.status).toBe('completed');
    expect(run.exitCode).toBe(0);
    expect(run.outcomes.applied).toBe(affected(1).length);
    expect(run.outcomes.failed).toBe(0);
    for (const id of affected(1)) expect((await store.inspect(parseSessionId(id))).classification.recommendedAction).toBeNull();

    const again = await fleet({ kind: 'scenario', scenario: 1 });
    expect(again.plan.affected).toBe(0);
    expect(again.outcomes.applied).toBe(0);

    // Each fleet change is audited and undoable on its own, byte for byte.
    const entry = (await lab.audit.read()).entries.find((e) => e.session === sample && e.runId === run.runId)!;
    expect(entry.result).toBe('applied');
    const undone = await runUndo(lab.env(), { auditId: entry.id, force: false, command: 'undo', approve: async () => 'approved', audit: lab.audit, actor: async () => ACTOR });
    expect(undone.status).toBe('restored');
    expect(imageDifferences(before, await sessionImage(lab, sample))).toEqual([]);
  });

  it('scenario 2: pins the fallback and clears the routes of every loop', async () => {
    const run = await fleet({ kind: 'scenario', scenario: 2 });
    expect(run.byAction['pin-agent']?.applied).toBe(affected(2).length);
    expect(run.byAction['clear-routing']?.applied).toBe(affected(2).length);
    for (const id of affected(2)) {
      expect(await lab.redis.exists(`manga:session:${id}:routes`)).toBe(0);
      expect(await lab.redis.get(`manga:session:${id}:pin`)).toMatch(/Agent$/);
    }
  });

  it('scenario 5: releases stale locks, refuses the live holder, says why', async () => {
    const locks = manifest.scenarios.find((s) => s.scenario === 5)!.details.locks as LockDetail[];
    const run = await fleet({ kind: 'scenario', scenario: 5 });
    expect(run.outcomes.applied).toBe(locks.filter((l) => l.expiry === 'none').length);
    expect(run.outcomes.refused).toBe(locks.filter((l) => l.expiry === 'lease').length);
    expect(run.refusals[0]?.reason).toMatch(/live holder/);
    for (const l of locks) expect(await lab.redis.exists(`manga:session:${l.id}:lock`)).toBe(l.expiry === 'lease' ? 1 : 0);
  });

  it('refuses without approval and writes nothing', async () => {
    await lab.seed({ scenarios: [1], sessions: 50 });
    const keys = (await lab.redis.keys('*')).sort();
    const run = await fleet({ kind: 'scenario', scenario: 1 }, { approve: async () => 'no-approval' });
    expect(run.exitCode).toBe(5);
    expect(run.error?.message).toMatch(/nothing was written/);
    expect((await lab.redis.keys('*')).sort()).toEqual(keys);
  });
});
