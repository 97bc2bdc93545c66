/**
 * The fleet writes its audit lines from templates (src/actions/fleet/audit-text.ts): they must
 * be, byte for byte, what AuditLog.append writes for the same line as an object, so that
 * readers (audit list, undo, the contract's consumers) cannot tell the two writers apart.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auditLineText } from '../../src/actions/audit/log.js';
import type { Actor } from '../../src/actions/audit/record.js';
import { FleetAuditText } from '../../src/actions/fleet/audit-text.js';

const actors: Actor[] = [
  { osUser: 'oncall', host: 'laptop' },
  { osUser: 'on"call\\', host: 'ホスト', aws: { arn: 'arn:aws:iam::123456789012:user/oncall', account: '123456789012' }, writeRoleArn: 'arn:aws:iam::123456789012:role/fix' },
  { osUser: 'ci', host: 'runner', aws: { error: 'no credentials\n(expired)' } },
];
const text = fc.string({ unit: 'grapheme', maxLength: 30 });

describe('fleet audit lines from templates', () => {
  it('are exactly the object lines AuditLog.append writes (intent and written outcome)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...actors),
        text,
        fc.option(text, { nil: undefined }),
        text,
        fc.array(text, { maxLength: 3 }),
        fc.array(text, { maxLength: 2 }),
        text,
        fc.constantFrom('applied' as const, 'verify-failed' as const),
        fc.nat(),
        fc.nat(),
        (actor, command, runId, session, written, deleted, reason, result, turnsBefore, turnsAfter) => {
          const lines = new FleetAuditText(actor, command, runId);
          const id = 'fx-m3k9z2a1-4f9c2e';
          const time = '2026-11-28T08:00:00.000Z';
          const keys = { written, deleted };
          const shared = { id, actor, command, kind: 'fix' as const, session, action: 'restore-backup' as const, ...(runId !== undefined ? { runId } : {}) };
          expect(lines.intent({ id, session, action: 'restore-backup', time, keys, quarantineKey: `q:${session}`, fingerprint: 'ab12' })).toBe(
            auditLineText({ ...shared, phase: 'intent', time, keys, preImage: { quarantineKey: `q:${session}` }, result: 'pending', details: { fingerprint: 'ab12' } }),
          );
          expect(
            lines.written({ id, session, action: 'restore-backup', time, keys, quarantineKey: 'q', result, afterFingerprint: 'cd34', reason, turnsBefore, turnsAfter }),
          ).toBe(
            auditLineText({ ...shared, phase: 'outcome', time, keys, preImage: { quarantineKey: 'q' }, result, after: { fingerprint: 'cd34' }, details: { reason, turnsBefore, turnsAfter } }),
          );
        },
      ),
    );
  });

  it('an object line is JSON.stringify of the line with its schema version first', () => {
    const line = { id: 'fx-1-000000', actor: actors[0]!, command: 'fix', kind: 'fix' as const, session: 's', action: 'clean-slate' as const, phase: 'intent' as const, time: 't', keys: { written: [], deleted: ['k'] }, preImage: {}, result: 'pending' as const };
    expect(auditLineText(line)).toBe(JSON.stringify({ schemaVersion: 1, ...line }));
  });
});
