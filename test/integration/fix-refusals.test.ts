/**
 * The refusals that keep a fix from breaking what it should not touch: a session changed
 * between the plan and the apply (one session: refused; fleet: planned again on the new
 * data), an undo of a session changed since its fix (refused unless forced), a DynamoDB item
 * changed between plan and apply.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/actions/audit/record.js';
import { runFleetFix } from '../../src/actions/fleet/run.js';
import { runRemediation } from '../../src/actions/runner.js';
import { runUndo } from '../../src/actions/undo.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { CorruptSessionDetail } from '../../src/lab/seed/scenario1.js';
import type { LargeItemDetail } from '../../src/lab/seed/scenario4.js';
import { imageDifferences, sessionImage, startFixLab, type FixLab } from './fix-lab.js';

const ACTOR: Actor = { osUser: 'test', host: 'test-host' };
let lab: FixLab;
let manifest: SeedManifest;

beforeAll(async () => {
  lab = await startFixLab();
  manifest = await lab.seed({ scenarios: [1, 4], sessions: 20 });
});
afterAll(async () => {
  await lab?.stop();
});

const corrupt = () => manifest.scenarios.find((s) => s.scenario === 1)!.details.sessions as CorruptSessionDetail[];
const newTurn = (n: number) => JSON.stringify({ role: 'user', content: `a message sent while on-call was reading the plan ${n}`, ts: Date.now() });
const quarantineCount = async (id: string) => (await lab.redis.keys(`manga:quarantine:${id}:*`)).length;

describe('a session changed between plan and apply', () => {
  it('one session: refused with exit 5, nothing written by the fix, no applied audit record', async () => {
    const id = corrupt().find((s) => s.backup === 'good')!.id;
    const r = await runRemediation(lab.env(), {
      action: 'restore-backup',
      sessionId: parseSessionId(id),
      command: 'fix session',
      approve: async () => {
        // The orchestrator appends a turn while the engineer reads the plan.
        await lab.redis.rpush(`manga:session:${id}:turns`, newTurn(1));
        return 'approved';
      },
      audit: lab.audit,
      actor: async () => ACTOR,
    });
    expect(r.status).toBe('refused');
    expect(r.exitCode).toBe(5);
    expect(r.error?.code).toBe('PRECONDITION_FAILED');
    expect(await quarantineCount(id)).toBe(0);
    const entry = (await lab.audit.read()).entries.find((e) => e.id === r.auditId);
    expect(entry?.result).toBe('refused');
    expect(await lab.redis.lindex(`manga:session:${id}:turns`, -1)).toMatch(/while on-call was reading/);
  });

  it('fleet: the changed session is planned again on its new data, the others are applied', async () => {
    await lab.seed({ scenarios: [1], sessions: 20 });
    const target = corrupt().find((s) => s.backup === 'good' && s.corruption === 'truncated')!.id;
    const run = await runFleetFix(lab.env(), {
      selector: { kind: 'scenario', scenario: 1 },
      since: 0,
      command: 'fix fleet',
      approve: async (plan) => {
        expect(plan.planned['restore-backup']).toBeGreaterThan(0);
        await lab.redis.rpush(`manga:session:${target}:turns`, newTurn(2));
        return 'approved';
      },
      audit: lab.audit,
      actor: async () => ACTOR,
      stateDir: lab.stateDir,
      target: 'refusals-fleet',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outcomes.failed).toBe(0);
    // Its backup no longer holds every valid turn: the core keeps the valid entries instead.
    const mine = (await lab.audit.read()).entries.filter((e) => e.session === target && e.runId === run.runId);
    expect(mine.map((e) => e.action)).toContain('partial-recover');
    expect(await lab.redis.lindex(`manga:session:${target}:turns`, -1)).toMatch(/while on-call was reading/);
    expect((await new SessionStore({ redis: lab.redis }).inspect(parseSessionId(target))).classification.status).toBe('healthy');
  });

  it('a DynamoDB item changed between plan and apply: compact refused, item and S3 untouched', async () => {
    const id = parseSessionId((manifest.scenarios.find((s) => s.scenario === 4)!.details.items as LargeItemDetail[])[0]!.id);
    await lab.seed({ scenarios: [4], sessions: 5 });
    const r = await runRemediation(lab.env(), {
      action: 'compact',
      sessionId: id,
      command: 'fix session',
      approve: async () => {
        await lab.ddb.send(new UpdateCommand({ TableName: 'manga_sessions', Key: { session_id: id }, UpdateExpression: 'SET #v = #v + :one', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':one': 1 } }));
        return 'approved';
      },
      audit: lab.audit,
      actor: async () => ACTOR,
    });
    expect(r.status).toBe('refused');
    expect(r.exitCode).toBe(5);
    const image = await sessionImage(lab, id);
    expect(image.item?.compacted_turn_count).toBeUndefined();
    expect(Object.keys(image.s3)).toEqual([]);
  });
});

describe('undo of a session changed since the fix', () => {
  it('is refused (exit 5) and changes nothing; with --force it restores, keeping what it replaced', async () => {
    await lab.seed({ scenarios: [1], sessions: 20 });
    const id = parseSessionId(corrupt().find((s) => s.backup === 'good')!.id);
    const before = await sessionImage(lab, id);
    const fix = await runRemediation(lab.env(), { action: 'restore-backup', sessionId: id, command: 'fix', approve: async () => 'approved', audit: lab.audit, actor: async () => ACTOR });
    expect(fix.status).toBe('applied');
    await lab.redis.rpush(`manga:session:${id}:turns`, newTurn(3));
    const changed = await sessionImage(lab, id);
    const undo = (force: boolean) => runUndo(lab.env(), { auditId: fix.auditId!, force, command: 'undo', approve: async () => 'approved', audit: lab.audit, actor: async () => ACTOR });
    const refused = await undo(false);
    expect(refused.status).toBe('refused');
    expect(refused.exitCode).toBe(5);
    expect(refused.error?.message).toMatch(/changed since the fix/);
    expect(imageDifferences(changed, await sessionImage(lab, id), 5000)).toEqual([]);

    const forced = await undo(true);
    expect(forced.status).toBe('restored');
    expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);
    // The turn appended after the fix is in the record the forced undo wrote.
    const record = JSON.parse((await lab.redis.get(forced.result!.preImage.quarantineKey!))!) as { keys: Record<string, { value: string[] }> };
    expect(record.keys[`manga:session:${id}:turns`]!.value.join('\n')).toMatch(/while on-call was reading the plan 3/);
  });
});
