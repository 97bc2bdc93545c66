/**
 * The interactive prompts as an engineer meets them: the built binary under a real
 * pseudo-terminal (util-linux `script`, see test/helpers/pty.ts), keys typed once the prompt
 * is on the screen, against a lab of real services started here. Every outcome is checked
 * in the stores themselves: Redis read directly, the audit log read from its file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/actions/env.js';
import { sessionKeys } from '../../src/core/keys.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import { SessionStore } from '../../src/core/sessions/index.js';
import { labConfigFile } from '../../src/lab/lab-config.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import type { CorruptSessionDetail } from '../../src/lab/seed/scenario1.js';
import { startFixLab, type FixLab } from '../integration/fix-lab.js';
import { KEYS, requireScript, startPty, type PtyRun } from '../helpers/pty.js';

let lab: FixLab;
let manifest: SeedManifest;
let configFile: string;
const isolated = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'mo-pty-cfg-')), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'mo-pty-state-')) };
const runs: PtyRun[] = [];

beforeAll(async () => {
  // Without `script` every test here would fail obscurely: fail once, saying what is missing.
  requireScript();
  lab = await startFixLab();
  configFile = join(lab.stateDir, 'config.json');
  // A generous per-source timeout: diagnose's verdict must not depend on this machine's load.
  writeFileSync(configFile, JSON.stringify({ ...labConfigFile(lab.endpoints, { stateDir: lab.stateDir }), timeoutMs: 30_000 }));
});
afterEach(() => {
  for (const r of runs.splice(0)) r.kill();
  lab?.emulator.faults.clear();
});
afterAll(async () => {
  await lab?.stop();
});

/** `manga-oncall <args> --config <lab>` in a fresh pseudo-terminal. */
function pty(args: string[]): PtyRun {
  const r = startPty([...args, '--config', configFile], { env: isolated });
  runs.push(r);
  return r;
}

const sessions = () => manifest.scenarios[0]!.details.sessions as CorruptSessionDetail[];
const withBackup = () => sessions().filter((s) => s.backup === 'good');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const store = () => new SessionStore({ redis: lab.redis, layout: layoutOf(lab.config) });

/** Every key in Redis with its DUMP (type, encoding and bytes): "nothing changed" is this, equal before and after. */
async function everything(): Promise<Record<string, string>> {
  const keys = (await lab.redis.keys('*')).sort();
  const p = lab.redis.pipeline();
  for (const k of keys) p.dumpBuffer(k);
  const replies = (await p.exec()) ?? [];
  return Object.fromEntries(keys.map((k, i) => [k, ((replies[i]?.[1] as Buffer | null) ?? Buffer.alloc(0)).toString('base64')]));
}

async function auditCount(): Promise<number> {
  return (await lab.audit.read()).entries.length;
}

/** Types `key` at a (y/N) confirmation, waits until the prompt shows it, then presses Enter. */
async function answerConfirm(t: PtyRun, key: 'y' | 'n'): Promise<void> {
  const m = t.mark();
  t.send(key);
  await t.waitFor(new RegExp(`\\(y/N\\) ${key}`), { from: m });
  t.send(KEYS.enter);
}

/**
 * In the select prompt now on the screen (its first frame after `from`), moves the cursor
 * down with the arrow key until the highlighted choice matches `choice`, then presses Enter.
 * Each step waits for the prompt's redraw before reading it. Returns the chosen line.
 */
async function chooseInSelect(t: PtyRun, choice: RegExp, from: number): Promise<string> {
  const highlighted = /❯ ([^\n]*)\n/;
  let current = (await t.waitFor(highlighted, { from }))[1]!;
  const seen: string[] = [];
  for (let step = 0; step < 12; step++) {
    if (choice.test(current)) {
      t.send(KEYS.enter);
      return current;
    }
    seen.push(current);
    const m = t.mark();
    t.send(KEYS.down);
    current = (await t.waitFor(highlighted, { from: m }))[1]!;
  }
  throw new Error(`no choice matching ${choice} in the select prompt; the cursor went through: ${seen.join(' | ')}`);
}

/** The session as a client would load it: every entry of the primary list a turn, equal to the backup. */
async function expectLoadsFromPrimary(id: SessionId): Promise<void> {
  const keys = sessionKeys(layoutOf(lab.config), id);
  const { classification } = await store().inspect(id);
  expect(classification.status, id).toBe('healthy');
  expect(classification.recommendedAction, id).toBeNull();
  const entries = await lab.redis.lrange(keys.turns, 0, -1);
  const backup = JSON.parse((await lab.redis.get(keys.backup))!) as unknown[];
  expect(entries.map((e) => JSON.parse(e) as unknown)).toEqual(backup);
  // The loader's own cascade takes the primary list now (it writes nothing for a healthy session).
  expect((await store().load(id)).source, id).toBe('primary');
}

describe('fix session --action restore-backup at the (y/N) prompt', () => {
  beforeAll(async () => {
    manifest = await lab.seed({ scenarios: [1], sessions: 30 });
  });

  it('shows the plan, asks (default No), and on y applies: exit 0, the session loads from the primary, an audit record and a quarantine record exist', async () => {
    const id = parseSessionId(withBackup()[0]!.id);
    expect((await store().inspect(id)).classification.status).toBe('corrupt_restorable_from_backup');
    const t = pty(['fix', 'session', id, '--action', 'restore-backup']);
    // The plan comes first: the data diff with the keys it writes, then the question.
    await t.waitFor(new RegExp(`restore-backup on session ${esc(id)}: .*\\n\\s*\\n\\s*STORE\\s+KEY\\s+CHANGE\\s+BEFORE\\s+AFTER\\n\\s*redis\\s+manga:session:${esc(id)}:turns\\s+write`));
    await t.waitFor(new RegExp(`\\? apply restore-backup to session ${esc(id)}\\? \\(y/N\\)`));
    await answerConfirm(t, 'y');
    const [, auditId] = await t.waitFor(new RegExp(`applied and verified: restore-backup on session ${esc(id)} \\(audit (fx-[a-z0-9-]+)\\)`));
    expect(await t.exit()).toBe(0);

    await expectLoadsFromPrimary(id);
    const entry = (await lab.audit.read()).entries.find((e) => e.id === auditId);
    expect(entry).toMatchObject({ session: id, action: 'restore-backup', result: 'applied', kind: 'fix' });
    // What the fix replaced was kept: a quarantine record of this session.
    expect(await lab.redis.keys(`manga:quarantine:${id}:*`)).toHaveLength(1);
  });

  it('Enter (the default, No) and n both decline: exit 5, "nothing was written", every key byte-for-byte as before, no audit record', async () => {
    const id = parseSessionId(withBackup()[1]!.id);
    const before = await everything();
    const audited = await auditCount();
    for (const answer of ['enter', 'n'] as const) {
      const t = pty(['fix', 'session', id, '--action', 'restore-backup']);
      await t.waitFor(/\? apply restore-backup to session .*\? \(y\/N\)/);
      if (answer === 'enter') t.send(KEYS.enter);
      else await answerConfirm(t, 'n');
      await t.waitFor(/✔ apply restore-backup to session .*\? No/);
      await t.waitFor(/declined: the change was declined; nothing was written/);
      expect(await t.exit(), answer).toBe(5);
      expect(await everything(), answer).toEqual(before);
    }
    expect(await auditCount()).toBe(audited);
    expect((await store().inspect(id)).classification.status).toBe('corrupt_restorable_from_backup');
  });

  it('Ctrl-C at the prompt is a decline (exit 5, the contract\'s "declined"), and nothing changes', async () => {
    const id = parseSessionId(withBackup()[1]!.id);
    const before = await everything();
    const audited = await auditCount();
    const t = pty(['fix', 'session', id, '--action', 'restore-backup']);
    await t.waitFor(/\? apply restore-backup to session .*\? \(y\/N\)/);
    t.send(KEYS.ctrlC);
    await t.waitFor(/declined: the change was declined; nothing was written/);
    expect(await t.exit()).toBe(5);
    expect(t.output()).not.toMatch(/applied and verified|^error:/m);
    expect(await everything()).toEqual(before);
    expect(await auditCount()).toBe(audited);
  });

  it('without --action: the proposals, the "apply one now?" select (default: leave it); choosing the ready action with the arrows asks its own confirmation, y applies it', async () => {
    const id = parseSessionId(withBackup()[2]!.id);
    const t = pty(['fix', 'session', id]);
    await t.waitFor(/proposed fixes\n\s*-> restore-backup \(ready\): /);
    const shown = t.mark();
    await t.waitFor(/\? apply one now\?/);
    // The default is to leave the session alone.
    expect((await t.waitFor(/❯ ([^\n]*)\n/))[1]).toBe('no, leave it');
    const chosen = await chooseInSelect(t, /^restore-backup: /, shown);
    expect(chosen).toMatch(/^restore-backup: /);
    await t.waitFor(/✔ apply one now\? restore-backup/);
    // Choosing is not approving: fix shows the plan and asks before it writes.
    await t.waitFor(new RegExp(`restore-backup on session ${esc(id)}: [\\s\\S]*\\? apply restore-backup to session ${esc(id)}\\? \\(y/N\\)`));
    expect((await store().inspect(id)).classification.status).toBe('corrupt_restorable_from_backup');
    await answerConfirm(t, 'y');
    await t.waitFor(new RegExp(`applied and verified: restore-backup on session ${esc(id)}`));
    expect(await t.exit()).toBe(0);
    await expectLoadsFromPrimary(id);
  });
  it('without --action, Ctrl-C at "apply one now?" leaves the session alone and says so', async () => {
    const id = parseSessionId(withBackup()[3]!.id);
    const before = await everything();
    const t = pty(['fix', 'session', id]);
    await t.waitFor(/\? apply one now\?/);
    t.send(KEYS.ctrlC);
    await t.waitFor(/no fix applied; nothing was changed \(to apply one later: manga-oncall fix session \S+ --action restore-backup\)/);
    expect(await t.exit()).toBe(3);
    expect(await everything()).toEqual(before);
  });
});

describe('fix fleet at the (y/N) prompt', () => {
  beforeAll(async () => {
    manifest = await lab.seed({ scenarios: [1], sessions: 30 });
  });

  it('fix fleet --scenario 1: shows the count per action, asks once, and y repairs every affected session', async () => {
    const affected = manifest.scenarios[0]!.affectedSessions.map((s) => parseSessionId(s));
    expect(affected.length).toBeGreaterThan(0);
    const t = pty(['fix', 'fleet', '--scenario', '1']);
    const [, changes] = await t.waitFor(/\? apply (\d+) change\(s\) to (\d+) session\(s\)\? \(y\/N\)/);
    expect(Number(changes)).toBe(affected.length);
    // Shown before the question: what was examined and the sessions per planned action
    // (restore when the backup is good; the cascade's next step otherwise).
    const [, examined, hit] = t.output().match(/examined (\d+) session\(s\): (\d+) affected/)!;
    expect(Number(hit)).toBe(affected.length);
    expect(Number(examined)).toBeGreaterThanOrEqual(affected.length);
    const [plan] = t.output().match(/ACTION\s+SESSIONS\n(?:[ \t]+[a-z-]+[ \t]+\d+\n)+/)!;
    const counts = Object.fromEntries([...plan.matchAll(/^[ \t]+([a-z-]+)[ \t]+(\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(counts['restore-backup']).toBe(withBackup().length);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(affected.length);
    await answerConfirm(t, 'y');
    const [, applied, failed] = await t.waitFor(/run \S+: completed\n\s+applied (\d+), skipped \d+, refused \d+, failed (\d+)/);
    expect(await t.exit()).toBe(0);
    expect(Number(applied)).toBe(affected.length);
    expect(Number(failed)).toBe(0);
    // Asked once: one answered confirmation, and no prompt after the answer.
    expect(t.output().match(/✔ apply \d+ change\(s\)/g)).toHaveLength(1);
    expect(t.output().slice(t.output().indexOf('✔ apply'))).not.toMatch(/\(y\/N\)/);

    for (const id of affected) {
      const { classification } = await store().inspect(id);
      expect(classification.recommendedAction, id).toBeNull();
      expect(['healthy', 'empty'], id).toContain(classification.status);
    }
    for (const s of withBackup()) await expectLoadsFromPrimary(parseSessionId(s.id));
  });
});

describe('diagnose on a terminal', () => {
  beforeAll(async () => {
    manifest = await lab.seed({ scenarios: [1], sessions: 30 });
  });

  const question = /\? s1 B: Check error type in CloudWatch Logs\? \(the probe could not answer: [^\n]*/;

  it('a question a probe could not answer (CloudWatch Logs failing) is asked; the verdict follows the answer, and diagnose writes nothing', async () => {
    const before = await everything();
    lab.emulator.faults.inject({ service: 'logs', kind: '5xx' });

    // JSONDecodeError: the walk resumes through the deserialization check and the failover to the root cause.
    let t = pty(['diagnose', '--scenario', '1']);
    let from = t.mark();
    await t.waitFor(/B\s+Check error type in CloudWatch Logs \S+ no answer\n\s+could not answer: CloudWatch Logs Insights/);
    await t.waitFor(question);
    expect(await chooseInSelect(t, /^JSONDecodeError$/, from)).toBe('JSONDecodeError');
    from = t.mark();
    await t.waitFor(/path A → B → C → F → G → I\n/);
    await t.waitFor(/B\s+JSONDecodeError \(by hand\)/);
    await t.waitFor(/ROOT CAUSE: Partial writes during Redis failover {2}\[redis-failover-partial-write\]/);
    await t.waitFor(/\? Run a remediation now\?/);
    // Declining the remediation (the default) ends it: the verdict is an incident.
    expect(await chooseInSelect(t, /^none: just show the commands$/, from)).toBe('none: just show the commands');
    expect(await t.exit()).toBe(3);

    // RedisConnectionError: the chart hands over to another runbook; no remediation to offer.
    t = pty(['diagnose', '--scenario', '1']);
    await t.waitFor(question);
    expect(await chooseInSelect(t, /^RedisConnectionError$/, 0)).toBe('RedisConnectionError');
    await t.waitFor(/HAND-OFF: Redis Connectivity Issue — Different Runbook {2}\[s1\.D\]\n\s+path A → B → D\n/);
    expect(await t.exit()).toBe(3);
    expect(t.output()).not.toMatch(/Run a remediation now|ROOT CAUSE: Partial writes/);

    // Leaving it open keeps the verdict inconclusive: exit 4.
    t = pty(['diagnose', '--scenario', '1']);
    await t.waitFor(question);
    expect(await chooseInSelect(t, /^leave it open/, 0)).toMatch(/^leave it open/);
    expect(await t.exit()).toBe(4);
    expect(t.output()).toMatch(/✔ s1 B: Check error type in CloudWatch Logs\?[\s\S]*? leave it open \(the verdict stays inconclusive\)\n[\s\S]*INCONCLUSIVE: a source the verdict needs did not answer/);
    expect(t.output()).not.toMatch(/Run a remediation now/);

    expect(await everything()).toEqual(before);
  });

  it('Ctrl-C at the question ends the questions: the verdict stands (exit 4, inconclusive), no internal error, nothing written', async () => {
    const before = await everything();
    lab.emulator.faults.inject({ service: 'logs', kind: '5xx' });
    const t = pty(['diagnose', '--scenario', '1']);
    await t.waitFor(question);
    t.send(KEYS.ctrlC);
    await t.waitFor(/interrupted: no more questions; the verdict stands as found and nothing was changed/);
    expect(await t.exit()).toBe(4);
    expect(t.output()).not.toMatch(/this is a bug|^error:/m);
    expect(await everything()).toEqual(before);
  });

  it('the walk with its evidence, then a remediation chosen runs through fix with its own confirmation; y applies it', async () => {
    const good = withBackup().map((s) => parseSessionId(s.id));
    const others = sessions().filter((s) => s.backup !== 'good');
    const untouched = async () => {
      const all = await everything();
      return Object.fromEntries(Object.entries(all).filter(([k]) => others.some((s) => k.startsWith(`manga:session:${s.id}:`))));
    };
    const othersBefore = await untouched();
    const started = Date.now();
    const t = pty(['diagnose', '--scenario', '1']);
    const from = t.mark();
    // Each step of the flowchart with the evidence that decided it.
    await t.waitFor(/A\s+CloudWatch Alarm: manga_session_errors > 50\/min → ALARM\n\s+manga_session_errors is ALARM since/);
    await t.waitFor(/B\s+Check error type in CloudWatch Logs → JSONDecodeError\n\s+session_load_failed by error_type: JSONDecodeError \d+ in \d+ sessions/);
    await t.waitFor(/C\s+Redis Deserialization Failure Confirmed → found\n\s+\d+ sessions of \d+ sessions scanned hold entries that do not deserialize/);
    await t.waitFor(/F\s+Check Redis cluster events → failover\n/);
    await t.waitFor(/ROOT CAUSE: Partial writes during Redis failover/);
    await t.waitFor(/\? Run a remediation now\? \(fix shows its plan and asks before it writes\)/);
    expect(await chooseInSelect(t, /^scenario 1: restore-backup$/, from)).toBe('scenario 1: restore-backup');
    // fix fleet runs on the same terminal: its plan, then its own question.
    const [, planned, changes] = await t.waitFor(/ACTION\s+SESSIONS\n\s+restore-backup\s+(\d+)\n[\s\S]*\? apply (\d+) change\(s\) to \d+ session\(s\)\? \(y\/N\)/);
    expect(Number(planned)).toBe(good.length);
    expect(Number(changes)).toBe(good.length);
    for (const id of good) expect((await store().inspect(id)).classification.status, id).toBe('corrupt_restorable_from_backup');
    await answerConfirm(t, 'y');
    await t.waitFor(new RegExp(`run \\S+: completed\\n\\s+applied ${good.length}, `));
    // diagnose's own exit code is its verdict: the incident it found.
    expect(await t.exit()).toBe(3);
    for (const id of good) await expectLoadsFromPrimary(id);
    // restore-backup refuses the sessions without a usable backup: they are exactly as they were.
    expect(await untouched()).toEqual(othersBefore);
    const audit = (await lab.audit.read()).entries.filter((e) => e.action === 'restore-backup' && e.result === 'applied' && Date.parse(e.time) >= started);
    expect(new Set(audit.map((e) => e.session))).toEqual(new Set(good));
  });
});
