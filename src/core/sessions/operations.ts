import { CoreError } from '../errors.js';
import { sessionKeys, type KeyLayout, type SessionKeys } from '../keys.js';
import { quarantinedToSnapshot, type QuarantineRecord } from '../quarantine.js';
import type { SessionId } from '../session-id.js';
import { encodeTurn, type Turn } from '../turn.js';
import { analyzeBackup, analyzeEntries } from './classify.js';
import { listLength, sameContent, type KeySnapshot } from './key-snapshot.js';
import { textListWrite, type KeyWrite } from './key-write.js';
import type { WriteOperation } from './types.js';

/** The keys a clean slate quarantines and removes. The lock is left alone: it belongs to a live worker. */
export const CLEAN_SLATE_KINDS = ['turns', 'backup', 'state', 'routes', 'pin'] as const;

function snapshot(snapshots: ReadonlyMap<string, KeySnapshot>, key: string): KeySnapshot {
  const found = snapshots.get(key);
  if (!found) throw new Error(`bug: ${key} was not read`);
  return found;
}

function refuse(message: string, suggestion: string): never {
  throw new CoreError('PRECONDITION_FAILED', message, { suggestion });
}

/** Two JSON texts hold the same value (whitespace and number spelling aside; key order counts). */
function sameJson(entry: Buffer, canonical: string): boolean {
  try {
    return JSON.stringify(JSON.parse(entry.toString('utf8'))) === canonical;
  } catch {
    return false;
  }
}

/**
 * restore-backup: replace the turns list with the backup's turns. Precondition: the backup is
 * a JSON array of turns holding at least one. No-op when the list already holds the same
 * turns. The backup only gets its TTL refreshed; both keys' pre-images are quarantined, so an
 * undo puts back the list and the backup's old TTL.
 */
export function restoreFromBackupOperation(keys: SessionKeys, ttlMs: number): WriteOperation {
  return {
    action: 'restore-backup',
    readKeys: [keys.turns, keys.backup],
    decide(snapshots) {
      const turns = snapshot(snapshots, keys.turns);
      const backup = snapshot(snapshots, keys.backup);
      const parsed = analyzeBackup(backup.type, backup.form === 'string' ? backup.value : null);
      if (parsed.health !== 'ok') refuse(`the backup is ${parsed.health.replace(/_/g, ' ')}: nothing to restore from`, 'use partial-recover or clean-slate');
      if (parsed.turns.length === 0) refuse('the backup holds no turns', 'use clean-slate to start the session afresh');
      const canonical = parsed.values.map((v) => JSON.stringify(v));
      const turnsBefore = listLength(turns);
      if (turns.form === 'list' && turns.entries.length === canonical.length && turns.entries.every((e, i) => sameJson(e, canonical[i] as string))) {
        return { kind: 'noop', reason: 'the turns list already holds the backup\'s turns', turnsBefore };
      }
      const primaryState = turns.form === 'list' ? `${analyzeEntries(turns.entries).valid} valid of ${turnsBefore} entries` : `a ${turns.type} key`;
      return {
        kind: 'apply',
        reason: `turns list (${primaryState}) replaced by the backup's ${canonical.length} turns`,
        writes: [
          textListWrite(keys.turns, canonical, ttlMs),
          { key: keys.backup, op: 'expire', ttlMs },
        ],
        turnsBefore,
        turnsAfter: canonical.length,
        turns: parsed.turns,
      };
    },
  };
}

/**
 * partial-recover: keep the entries that are turns (their original bytes, in order), drop
 * the others, and make the backup the JSON array of the kept entries. Precondition: the
 * turns key is a list with at least one valid entry. No-op when no entry is invalid. Both
 * old keys are quarantined whole (the invalid entries with them, byte-for-byte).
 * The backup is written first: if the non-atomic path stops between the two, the next load
 * finds a backup holding every valid turn and restores from it, which ends in the same state.
 */
export function partialRecoverOperation(keys: SessionKeys, ttlMs: number): WriteOperation {
  return {
    action: 'partial-recover',
    readKeys: [keys.turns, keys.backup],
    decide(snapshots) {
      const turns = snapshot(snapshots, keys.turns);
      if (turns.form !== 'list') refuse(`the turns key is ${turns.form === 'absent' ? 'missing' : `a ${turns.type}`}: nothing to recover partially`, 'use restore-backup or clean-slate');
      const analysis = analyzeEntries(turns.entries);
      const invalid = turns.entries.length - analysis.valid;
      if (invalid === 0) return { kind: 'noop', reason: 'every entry is a valid turn', turnsBefore: turns.entries.length };
      if (analysis.valid === 0) refuse('no entry of the turns list is a valid turn', 'use restore-backup or clean-slate');
      const kept: Buffer[] = [];
      const keptTurns: Turn[] = [];
      analysis.checks.forEach((check, index) => {
        if (check.ok) {
          kept.push(turns.entries[index] as Buffer);
          keptTurns.push(check.turn);
        }
      });
      const backup = Buffer.concat([Buffer.from('['), ...kept.flatMap((e, i) => (i === 0 ? [e] : [Buffer.from(','), e])), Buffer.from(']')]);
      return {
        kind: 'apply',
        reason: `${invalid} of ${turns.entries.length} entries are not turns; kept the ${kept.length} valid ones`,
        writes: [
          { key: keys.backup, op: 'string', value: backup, ttlMs },
          { key: keys.turns, op: 'list', entries: kept, ttlMs },
        ],
        turnsBefore: turns.entries.length,
        turnsAfter: kept.length,
        details: {
          invalidEntries: analysis.checks.flatMap((c, index) => (c.ok ? [] : [{ index, problem: c.problem }])),
        },
        turns: keptTurns,
      };
    },
  };
}

/**
 * clean-slate: quarantine every existing key of the session (turns, backup, state, routes,
 * pin) and delete them, in one transaction. No-op when none exists.
 */
export function cleanSlateOperation(keys: SessionKeys): WriteOperation {
  const targets = CLEAN_SLATE_KINDS.map((kind) => keys[kind]);
  return {
    action: 'clean-slate',
    readKeys: targets,
    decide(snapshots) {
      const turnsBefore = listLength(snapshots.get(keys.turns));
      const existing = targets.filter((key) => snapshot(snapshots, key).form !== 'absent');
      if (existing.length === 0) return { kind: 'noop', reason: 'the session has no keys', turnsBefore };
      return {
        kind: 'apply',
        reason: `removed ${existing.length} session key(s)`,
        writes: existing.map((key) => ({ key, op: 'delete' as const })),
        turnsBefore,
        turnsAfter: 0,
        turns: [],
      };
    },
  };
}

/**
 * Checks that a record only names keys of its own session (a clean slate's set and the lock), so a
 * tampered or misfiled record cannot make a restore write another session's keys.
 */
export function assertRecordBelongsTo(layout: KeyLayout, id: SessionId, record: QuarantineRecord): SessionKeys {
  const keys = sessionKeys(layout, id);
  if (record.sessionId !== id) throw new CoreError('CORRUPT_DATA', `quarantine record names session ${JSON.stringify(record.sessionId)}, filed under ${id}`);
  // The lock is allowed too: a release-lock record holds it, and undo puts it back.
  const allowed = new Set<string>([...CLEAN_SLATE_KINDS.map((kind) => keys[kind]), keys.lock]);
  for (const key of Object.keys(record.keys)) {
    if (!allowed.has(key)) throw new CoreError('CORRUPT_DATA', `quarantine record names key ${JSON.stringify(key)}, which is not a key of session ${id}`);
  }
  return keys;
}

function writeFor(target: KeySnapshot): KeyWrite {
  // A TTL of -1 (or one that ran out in the record) puts the key back without expiry, as it was.
  const ttlMs = target.ttlMs > 0 ? target.ttlMs : -1;
  switch (target.form) {
    case 'absent':
      return { key: target.key, op: 'delete' };
    case 'string':
      return { key: target.key, op: 'string', value: target.value, ttlMs };
    case 'list':
      return { key: target.key, op: 'list', entries: target.entries, ttlMs };
    case 'dump':
      return { key: target.key, op: 'restore-dump', type: target.type, payload: target.payload, ttlMs };
  }
}

/**
 * True when a key whose content matches the record has an expiry the record did not: made
 * persistent, or extended past what it had left (a fix's TTL refresh). Putting it back
 * restores the recorded TTL; a TTL that merely ticked down since is left alone, so a second
 * restore is still a no-op.
 */
function expiryExtended(current: KeySnapshot, recorded: KeySnapshot): boolean {
  if (current.form === 'absent' || recorded.form === 'absent') return false;
  if (recorded.ttlMs <= 0) return current.ttlMs > 0;
  return current.ttlMs === -1 || current.ttlMs > recorded.ttlMs + 1000;
}

/**
 * restore-quarantine: put every key of a record back as it was (type, bytes, and the TTL it
 * had left when quarantined). What it replaces is itself quarantined, so an undo can be
 * undone. No-op when every key already holds the recorded content.
 */
export function restoreFromQuarantineOperation(keys: SessionKeys, record: QuarantineRecord, recordKey: string): WriteOperation {
  const targets = Object.entries(record.keys).map(([key, q]) => quarantinedToSnapshot(key, q));
  const readKeys = [...new Set([keys.turns, ...targets.map((t) => t.key)])];
  return {
    action: 'restore-quarantine',
    readKeys,
    decide(snapshots) {
      const turnsBefore = listLength(snapshots.get(keys.turns));
      const changed = targets.filter((t) => !sameContent(snapshot(snapshots, t.key), t) || expiryExtended(snapshot(snapshots, t.key), t));
      if (changed.length === 0) return { kind: 'noop', reason: `the session already holds what ${recordKey} recorded`, turnsBefore };
      const turnsTarget = targets.find((t) => t.key === keys.turns);
      return {
        kind: 'apply',
        reason: `restored ${changed.length} key(s) from ${recordKey}`,
        writes: changed.map(writeFor),
        turnsBefore,
        turnsAfter: turnsTarget ? listLength(turnsTarget) : turnsBefore,
        details: { restoredFrom: recordKey },
      };
    },
  };
}

/** Stored form of turns for a save: list entries and the backup text. */
export function encodeForSave(turns: readonly Turn[]): { entries: Buffer[]; backup: Buffer } {
  return { entries: turns.map((t) => Buffer.from(encodeTurn(t), 'utf8')), backup: Buffer.from(JSON.stringify(turns), 'utf8') };
}
