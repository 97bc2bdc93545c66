/**
 * `fix`, `undo`, `audit list`, `inspect` and `fix fleet` as a user and a script meet them: the
 * built binary, no TTY, against a lab of real services started here. Exit codes 0/2/3/5/6,
 * one JSON document with --json, nothing touched on a refusal or an invalid id.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionId } from '../../src/core/session-id.js';
import { labConfigFile } from '../../src/lab/lab-config.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { CorruptSessionDetail } from '../../src/lab/seed/scenario1.js';
import { runCli } from '../helpers/services.js';
import { FaultProxy } from '../integration/fix-fault-proxy.js';
import { imageDifferences, sessionImage, startFixLab, type FixLab } from '../integration/fix-lab.js';

let lab: FixLab;
let manifest: SeedManifest;
let configFile: string;
const isolated = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'mo-cfg-')), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mo-state-')) };

beforeAll(async () => {
  lab = await startFixLab();
  manifest = await lab.seed({ scenarios: [1], sessions: 30 });
  configFile = join(lab.stateDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(labConfigFile(lab.endpoints, { stateDir: lab.stateDir })));
});
afterAll(async () => {
  await lab?.stop();
});

const cli = (args: string[]) => runCli([...args, '--config', configFile], { env: isolated });
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown> & { error?: { code: string; message: string } };
const sessions = () => manifest.scenarios[0]!.details.sessions as CorruptSessionDetail[];
const withBackup = () => sessions().filter((s) => s.backup === 'good');

/** Every key in Redis with its DUMP: "nothing touched" is this, equal before and after. */
async function everything(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await lab.redis.keys('*')).sort()) out[key] = ((await lab.redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('base64');
  return out;
}

describe('fix session', () => {
  it('an invalid session id is exit 2 before any store is touched', async () => {
    const before = await everything();
    for (const bad of ['sess-*', '{sess}', 'a b', '', 'x'.repeat(129)]) {
      const r = await cli(['fix', 'session', bad, '--action', 'restore-backup', '--yes', '--json']);
      expect(r.code, bad).toBe(2);
      expect(json(r.stdout).error?.code).toBe('INVALID_SESSION_ID');
    }
    expect((await cli(['inspect', 'session', 'a*b'])).code).toBe(2);
    expect(await everything()).toEqual(before);
  });

  it('without a TTY and without --yes it refuses with exit 5, says how to approve, and writes nothing', async () => {
    const id = withBackup()[0]!.id;
    const before = await everything();
    const r = await cli(['fix', 'session', id, '--action', 'restore-backup']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/--yes/);
    expect(r.stdout).toMatch(/restore-backup on session/);
    expect(await everything()).toEqual(before);
  });

  it('--dry-run shows the data diff as one JSON document and changes nothing', async () => {
    const s = withBackup()[0]!;
    const before = await everything();
    const r = await cli(['fix', 'session', s.id, '--action', 'restore-backup', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout) as { command: string; schemaVersion: number; status: string; plan: { diff: { turns: { before: number; after: number }; entries: { key: string }[] } } };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.command).toBe('fix session');
    expect(doc.status).toBe('planned');
    expect(doc.plan.diff.turns.before).toBe(s.totalEntries);
    expect(doc.plan.diff.entries.map((e) => e.key)).toContain(`manga:session:${s.id}:turns`);
    expect(await everything()).toEqual(before);
  });

  it('applies with --yes (exit 0), says already applied the second time, is listed by audit list, and undo restores it exactly', async () => {
    const id = parseSessionId(withBackup()[1]!.id);
    const before = await sessionImage(lab, id);
    const applied = await cli(['fix', 'session', id, '--action', 'restore-backup', '--yes', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const doc = json(applied.stdout) as { status: string; auditId: string; verification: { ok: boolean } };
    expect(doc.status).toBe('applied');
    expect(doc.verification.ok).toBe(true);

    const again = await cli(['fix', 'session', id, '--action', 'restore-backup', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(json(again.stdout).status).toBe('already-applied');

    const list = await cli(['audit', 'list', '--json']);
    expect(list.code).toBe(0);
    const entries = (json(list.stdout) as { entries: { id: string; result: string; actor: { osUser: string } }[] }).entries;
    expect(entries.find((e) => e.id === doc.auditId)?.result).toBe('applied');
    expect(statSync(lab.config.auditPath!).mode & 0o777).toBe(0o600);
    expect(entries.every((e) => e.actor.osUser.length > 0)).toBe(true);

    const text = await cli(['audit', 'list']);
    expect(text.stdout).toContain(doc.auditId);

    const undo = await cli(['undo', doc.auditId, '--yes', '--json']);
    expect(undo.code, undo.stdout).toBe(0);
    expect(json(undo.stdout).status).toBe('restored');
    expect(imageDifferences(before, await sessionImage(lab, id))).toEqual([]);
    expect((await cli(['undo', 'not-an-id'])).code).toBe(2);
    expect((await cli(['undo', 'fx-zzzzzz-000000', '--yes'])).code).toBe(2);
  });

  it('an unknown action is exit 2; an action that does not apply is exit 5 with the reason', async () => {
    const s = sessions().find((x) => x.backup === 'missing')!;
    expect((await cli(['fix', 'session', s.id, '--action', 'reboot-everything'])).code).toBe(2);
    const r = await cli(['fix', 'session', s.id, '--action', 'restore-backup', '--yes', '--json']);
    expect(r.code).toBe(5);
    expect(json(r.stdout).error?.message).toMatch(/backup is missing/);
  });

  it('inspect session: exit 3 on a problem, 0 when healthy, one JSON document, masked content, no write', async () => {
    const before = await everything();
    const bad = await cli(['inspect', 'session', sessions()[3]!.id, '--json']);
    expect(bad.code).toBe(3);
    const doc = json(bad.stdout) as { verdict: string; view: { problems: { action: string }[]; recentTurns: { content: string }[] } };
    expect(doc.verdict).toBe('problem');
    expect(doc.view.recentTurns.every((t) => t.content.startsWith('«masked'))).toBe(true);
    const healthy = (await lab.redis.keys('manga:session:*:turns')).map((k) => k.split(':')[2]!).find((x) => !manifest.scenarios[0]!.affectedSessions.includes(x))!;
    const ok = await cli(['inspect', 'session', healthy]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`session ${healthy}: healthy`);
    const propose = await cli(['fix', 'session', sessions()[3]!.id, '--json']);
    expect(propose.code).toBe(3);
    expect((json(propose.stdout) as { proposals: { action: string; status: string }[] }).proposals.some((p) => p.status === 'ready')).toBe(true);
    expect(await everything()).toEqual(before);
  });
});

describe('fix fleet', () => {
  it('refuses without --yes (exit 5), applies with it (one JSON document, exit 0), and the rerun has nothing to do', async () => {
    const before = await everything();
    const refused = await cli(['fix', 'fleet', '--scenario', '1']);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(/restore-backup/);
    expect(await everything()).toEqual(before);
    expect((await cli(['fix', 'fleet'])).code).toBe(2);
    expect((await cli(['fix', 'fleet', '--scenario', '2', '--action', 'compact'])).code).toBe(2);

    const r = await cli(['fix', 'fleet', '--scenario', '1', '--action', 'restore-backup', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout) as { command: string; status: string; outcomes: { applied: number; failed: number } };
    expect(doc.command).toBe('fix fleet');
    expect(doc.status).toBe('completed');
    expect(doc.outcomes.applied).toBeGreaterThan(0);
    expect(doc.outcomes.failed).toBe(0);
    const again = await cli(['fix', 'fleet', '--scenario', '1', '--yes', '--json']);
    expect(again.code).toBe(0);
    const rest = json(again.stdout) as { outcomes: { applied: number } };
    expect(rest.outcomes.applied).toBe(sessions().filter((s) => s.backup !== 'good').length);
  });
});

describe('exit 6', () => {
  it('a change that is applied but cannot be verified (S3 reads failing) exits 6 and is audited so', async () => {
    const proxy = await new FaultProxy(lab.endpoints.s3, 's3').start();
    try {
      // Writes reach S3; reading the history back does not: the compaction cannot be verified.
      proxy.failIf = (method, url) => method === 'GET' && url.includes('/sessions/');
      const file = join(lab.stateDir, 'faulty-s3.json');
      writeFileSync(file, JSON.stringify(labConfigFile({ ...lab.endpoints, s3: proxy.endpoint }, { stateDir: lab.stateDir })));
      const id = 'long-e2e-1';
      const turns = Array.from({ length: 60 }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: `turn ${t}`, ts: 1_700_000_000_000 + t }));
      await lab.ddb.send(new PutCommand({ TableName: 'manga_sessions', Item: { session_id: id, turns, turn_count: 60, version: 1 } }));
      const r = await runCli(['fix', 'session', id, '--action', 'compact', '--yes', '--json', '--config', file], { env: isolated });
      expect(r.code, r.stdout).toBe(6);
      const doc = json(r.stdout) as { status: string; verification: { ok: boolean } };
      expect(doc.status).toBe('verify-failed');
      const list = json((await cli(['audit', 'list', '--json', '--session', id])).stdout) as { entries: { result: string }[] };
      expect(list.entries.at(-1)?.result).toBe('verify-failed');
    } finally {
      await proxy.stop();
    }
  });
});
