/**
 * The audit log and the fleet journal on a real file system: mode 0600, intent and outcome
 * merged under one id, a torn last line skipped, an undo marking what it undid; a journal
 * whose run did not end is resumed with its pending intents; the rate limiter paces.
 */
import { appendFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ID_PATTERN, AuditLog, auditPathOf, newAuditId, stateDirOf } from '../../src/actions/audit/log.js';
import type { AuditLine } from '../../src/actions/audit/record.js';
import { FleetJournal, journalKey } from '../../src/actions/fleet/journal.js';
import { RateLimiter } from '../../src/actions/fleet/rate.js';
import { configSchema } from '../../src/config/schema.js';

const actor = { osUser: 'oncall', host: 'h' };
const line = (id: string, phase: AuditLine['phase'], extra: Partial<AuditLine> = {}): Omit<AuditLine, 'schemaVersion'> => ({
  id,
  phase,
  time: new Date(1_700_000_000_000).toISOString(),
  actor,
  command: 'fix session s1 --action restore-backup --yes',
  kind: 'fix',
  session: 's1',
  action: 'restore-backup',
  keys: { written: [], deleted: [] },
  preImage: {},
  result: 'pending',
  ...extra,
});

describe('the audit log', () => {
  it('is created 0600 in a 0700 directory, merges intent and outcome, skips a torn line, links undos', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-audit-'));
    const log = new AuditLog(join(dir, 'nested', 'audit.jsonl'));
    const id = newAuditId();
    expect(id).toMatch(AUDIT_ID_PATTERN);
    await log.append([line(id, 'intent', { preImage: { quarantinePattern: 'manga:quarantine:s1:*', notBefore: 1 } })]);
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    await log.append([line(id, 'outcome', { result: 'applied', preImage: { quarantineKey: 'manga:quarantine:s1:5' }, keys: { written: ['k'], deleted: [] }, after: { fingerprint: 'f' } })]);
    const undoId = newAuditId();
    await log.append([line(undoId, 'intent', { kind: 'undo', undoOf: id }), line(undoId, 'outcome', { kind: 'undo', undoOf: id, result: 'applied' })]);
    appendFileSync(log.path, '{"schemaVersion":1,"id":"fx-torn');
    const { entries, skipped } = await log.read();
    expect(skipped).toBe(1);
    expect(entries).toHaveLength(2);
    const fix = entries[0]!;
    expect(fix.result).toBe('applied');
    expect(fix.preImage).toEqual({ quarantinePattern: 'manga:quarantine:s1:*', notBefore: 1, quarantineKey: 'manga:quarantine:s1:5' });
    expect(fix.keys.written).toEqual(['k']);
    expect(fix.after?.fingerprint).toBe('f');
    expect(fix.undoneBy).toBe(undoId);
  });

  it('lives in the state directory by default, or where the config says', () => {
    const config = configSchema.parse({});
    expect(auditPathOf(config, { XDG_STATE_HOME: '/s' })).toBe('/s/manga-oncall/audit.jsonl');
    expect(auditPathOf(configSchema.parse({ auditPath: '/a/b.jsonl' }), {})).toBe('/a/b.jsonl');
    expect(stateDirOf(configSchema.parse({ stateDir: '/d' }))).toBe('/d');
    expect(auditPathOf(config, {})).toMatch(/\.local\/state\/manga-oncall\/audit\.jsonl$/);
  });
});

describe('the fleet journal', () => {
  it('resumes a run that did not end, with its counts and pending intents; a finished run starts a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-journal-'));
    const selector = { kind: 'scenario', scenario: 1 } as const;
    const key = journalKey(selector, 'redis://a');
    expect(key).not.toBe(journalKey(selector, 'redis://b'));
    const first = await FleetJournal.open(dir, key, selector, 'fix fleet', 1);
    expect(first.resumed).toBeNull();
    const j = first.journal;
    await j.append([
      { t: 'intent', runId: j.runId, auditId: 'a1', session: 's1', action: 'restore-backup', quarantineKey: 'q1' },
      { t: 'intent', runId: j.runId, auditId: 'a2', session: 's2', action: 'restore-backup', quarantineKey: 'q2' },
      { t: 'done', runId: j.runId, auditId: 'a1', session: 's1', action: 'restore-backup', outcome: 'applied' },
    ]);
    const again = await FleetJournal.open(dir, key, selector, 'fix fleet', 2);
    expect(again.journal.runId).toBe(j.runId);
    expect(again.resumed?.counts.applied).toBe(1);
    expect(again.resumed?.pending.map((p) => p.auditId)).toEqual(['a2']);
    await again.journal.append([
      { t: 'done', runId: j.runId, auditId: 'a2', session: 's2', action: 'restore-backup', outcome: 'applied' },
      { t: 'end', runId: j.runId, at: 3, interrupted: false },
    ]);
    const next = await FleetJournal.open(dir, key, selector, 'fix fleet', 4);
    expect(next.resumed).toBeNull();
    expect(next.journal.runId).not.toBe(j.runId);
  });
});

describe('the rate limiter', () => {
  it('paces n sessions to n/rate seconds, and refuses a rate that is not positive', async () => {
    let now = 0;
    const slept: number[] = [];
    const limiter = new RateLimiter(100, () => now, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    await limiter.take(50); // the first batch starts at once
    await limiter.take(50); // the next 50 only 500 ms after it
    now += 2000; // idle for a while: no debt is carried over
    await limiter.take(10);
    await limiter.take(10);
    expect(slept).toEqual([500, 100]);
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    await new RateLimiter(undefined).take(1_000_000);
  });
});
