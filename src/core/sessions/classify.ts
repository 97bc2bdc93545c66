import { isUtf8 } from 'node:buffer';
import { PTTL_PERSISTENT, type RedisKeyType } from '../redis-types.js';
import { checkTurnEntry, isJsonSpace, parseTurnValue, type Turn, type TurnEntryCheck, type TurnProblem } from '../turn.js';
import type { RawSession } from './raw-session.js';

/** A session's health, as `inspect`, `diagnose` and `scan` report it. */
export type SessionHealthStatus =
  | 'healthy'
  | 'empty'
  | 'corrupt_restorable_from_backup'
  | 'corrupt_partially_recoverable'
  | 'corrupt_unrecoverable'
  | 'wrong_type';

/** The backup key's state: `ok` means a JSON array whose every element is a turn. */
export type BackupHealth = 'ok' | 'missing' | 'wrong_type' | 'not_utf8' | 'invalid_json' | 'not_a_turn_list';

/** The contract's remediation names for scenario 1. */
export type RecoveryAction = 'restore-backup' | 'partial-recover' | 'clean-slate';

export type EntryProblemCounts = Record<TurnProblem, number>;

/** How many invalid indexes a classification lists (the counts are always complete). */
export const MAX_LISTED_INVALID_INDEXES = 20;

export interface PrimaryAnalysis {
  key: string;
  type: RedisKeyType;
  ttlMs: number;
  /** LLEN of the list. */
  entries: number;
  /** Entries actually checked (less than `entries` when the read was capped). */
  examined: number;
  valid: number;
  invalid: number;
  problems: EntryProblemCounts;
  /** The first {@link MAX_LISTED_INVALID_INDEXES} invalid entry indexes. */
  invalidIndexes: number[];
}

export interface BackupAnalysis {
  key: string;
  type: RedisKeyType;
  ttlMs: number;
  health: BackupHealth;
  /** Turns in the backup when `health` is `ok`, else 0. */
  turns: number;
  bytes: number;
}

/** The verdict on one session, computed without any Redis access. Contains no message content. */
export interface SessionClassification {
  sessionId: string;
  status: SessionHealthStatus;
  recommendedAction: RecoveryAction | null;
  /** One line for an engineer, e.g. "3 of 40 entries are not turns; the backup holds all 40". */
  summary: string;
  /** False when only part of a long list was examined (the scanner's cap). */
  complete: boolean;
  primary: PrimaryAnalysis;
  backup: BackupAnalysis;
  /** Session keys that exist without an expiry (PTTL -1): they would never be evicted. */
  missingTtl: Array<'turns' | 'backup'>;
}

/** Every entry's verdict plus the counts. */
export interface EntriesAnalysis {
  checks: TurnEntryCheck[];
  valid: number;
  problems: EntryProblemCounts;
  invalidIndexes: number[];
}

/**
 * Verdicts already computed: entries by their list's identity, backups by their Buffer's. The
 * fleet path classifies a session, plans its repair and builds its quarantine record from one
 * read, each of which looks at the same entries: parsing each once halves its cost. Lists and
 * Buffers read from Redis are never mutated, so a verdict cannot go stale; the WeakMaps let
 * them go with their snapshot. One entry per list, not per element: a WeakMap entry per turn
 * of every session was a large part of a fleet's garbage-collection work.
 */
const entriesVerdicts = new WeakMap<readonly Buffer[], EntriesAnalysis>();
const backupVerdicts = new WeakMap<Buffer, { health: BackupHealth; turns: Turn[]; values: unknown[] }>();

/**
 * Forgets the verdicts on a session's turns list and backup. The batch planners call it once
 * a session is planned: a fleet holds its plans until their chunk is applied, and the parsed
 * turns the caches kept alive with them were most of what its garbage collector had to copy.
 */
export function releaseVerdicts(entries: readonly Buffer[] | null, backup: Buffer | null): void {
  if (entries) entriesVerdicts.delete(entries);
  if (backup) backupVerdicts.delete(backup);
}

/**
 * Turns already known to be valid, with their exact bytes: a healthy backup's elements. A
 * turns list is mostly a copy of its backup, entry for entry, and an entry byte-for-byte equal
 * to the element at its index parses to that element's value: it needs no parse of its own.
 */
export interface KnownTurns {
  elements: readonly Buffer[];
  turns: readonly Turn[];
}

export function analyzeEntries(entries: readonly Buffer[], known?: KnownTurns): EntriesAnalysis {
  const seen = entriesVerdicts.get(entries);
  if (seen) return seen;
  const problems: EntryProblemCounts = { not_utf8: 0, invalid_json: 0, not_a_turn: 0 };
  const invalidIndexes: number[] = [];
  let valid = 0;
  const checks = entries.map((entry, index): TurnEntryCheck => {
    const element = known?.elements[index];
    const check: TurnEntryCheck = element !== undefined && entry.equals(element) ? { ok: true, turn: known!.turns[index]! } : checkTurnEntry(entry);
    if (check.ok) valid++;
    else {
      problems[check.problem]++;
      invalidIndexes.push(index);
    }
    return check;
  });
  const analysis = { checks, valid, problems, invalidIndexes };
  entriesVerdicts.set(entries, analysis);
  return analysis;
}

/**
 * A healthy backup's turns with the bytes of each element, for {@link analyzeEntries}; null when
 * the backup is not healthy. The element bytes are views into `value`.
 */
export function knownTurnsOf(type: RedisKeyType, value: Buffer | null): KnownTurns | null {
  const verdict = analyzeBackup(type, value);
  if (verdict.health !== 'ok' || value === null) return null;
  const elements = jsonArrayElements(value);
  // The scan and the parse agree on every valid array; a disagreement would be a bug here.
  if (elements.length !== verdict.turns.length) return null;
  return { elements, turns: verdict.turns };
}

/**
 * The bytes of each top-level element of a JSON array, without the whitespace around them.
 * Only for text that JSON.parse accepted as an array: brackets, braces and commas inside
 * strings are skipped by following quotes and backslash escapes (no byte of a multi-byte
 * UTF-8 character is ASCII, so scanning bytes is safe).
 */
export function jsonArrayElements(json: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = json.indexOf(0x5b) + 1;
  let depth = 0;
  let start = -1;
  let end = -1;
  for (; i < json.length; i++) {
    const c = json[i]!;
    if (c === 0x22) {
      if (start < 0) start = i;
      for (i++; i < json.length && json[i] !== 0x22; i++) if (json[i] === 0x5c) i++;
      end = i + 1;
      continue;
    }
    if (depth === 0 && (c === 0x2c || c === 0x5d)) {
      if (start >= 0) out.push(json.subarray(start, end));
      if (c === 0x5d) break;
      start = -1;
      continue;
    }
    if (isJsonSpace(c)) continue;
    if (start < 0) start = i;
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    end = i + 1;
  }
  return out;
}

/** The backup's verdict and, when healthy, its turns and their original JSON values. */
export function analyzeBackup(type: RedisKeyType, value: Buffer | null): { health: BackupHealth; turns: Turn[]; values: unknown[] } {
  if (type === 'none') return { health: 'missing', turns: [], values: [] };
  if (type !== 'string' || value === null) return { health: 'wrong_type', turns: [], values: [] };
  let verdict = backupVerdicts.get(value);
  if (!verdict) backupVerdicts.set(value, (verdict = analyzeBackupValue(value)));
  return verdict;
}

function analyzeBackupValue(value: Buffer): { health: BackupHealth; turns: Turn[]; values: unknown[] } {
  const none = { turns: [] as Turn[], values: [] as unknown[] };
  if (!isUtf8(value)) return { health: 'not_utf8', ...none };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { health: 'invalid_json', ...none };
  }
  if (!Array.isArray(parsed)) return { health: 'not_a_turn_list', ...none };
  const turns: Turn[] = [];
  for (const element of parsed) {
    const turn = parseTurnValue(element);
    if (!turn) return { health: 'not_a_turn_list', ...none };
    turns.push(turn);
  }
  return { health: 'ok', turns, values: parsed };
}

function verdict(primary: PrimaryAnalysis, backup: BackupAnalysis): Pick<SessionClassification, 'status' | 'recommendedAction' | 'summary'> {
  const backupUsable = backup.health === 'ok' && backup.turns >= Math.max(primary.valid, 1);
  const backupNote = backup.health === 'ok' ? `the backup holds ${backup.turns} turns` : `the backup is ${backup.health.replace(/_/g, ' ')}`;
  if (primary.type !== 'list' && primary.type !== 'none') {
    return {
      status: 'wrong_type',
      recommendedAction: backupUsable ? 'restore-backup' : 'clean-slate',
      summary: `the turns key is a ${primary.type}, not a list; ${backupNote}`,
    };
  }
  if (primary.type === 'none') {
    if (backup.health === 'missing' || (backup.health === 'ok' && backup.turns === 0)) {
      return { status: 'empty', recommendedAction: null, summary: 'no session data' };
    }
    if (backupUsable) {
      return { status: 'corrupt_restorable_from_backup', recommendedAction: 'restore-backup', summary: `the turns list is missing; ${backupNote}` };
    }
    const status = backup.health === 'wrong_type' ? 'wrong_type' : 'corrupt_unrecoverable';
    return { status, recommendedAction: 'clean-slate', summary: `the turns list is missing and ${backupNote}` };
  }
  const counted = `${primary.invalid} of ${primary.examined} entries are not turns`;
  if (primary.invalid === 0) return { status: 'healthy', recommendedAction: null, summary: `${primary.valid} turns` };
  // A backup is only preferred when it holds at least what partial recovery would keep: a
  // stale backup (older than turns the agent appended since) would throw away more turns
  // than the corruption did.
  if (backupUsable) return { status: 'corrupt_restorable_from_backup', recommendedAction: 'restore-backup', summary: `${counted}; ${backupNote}` };
  if (primary.valid > 0) return { status: 'corrupt_partially_recoverable', recommendedAction: 'partial-recover', summary: `${counted}; ${backupNote}` };
  return { status: 'corrupt_unrecoverable', recommendedAction: 'clean-slate', summary: `${counted}; ${backupNote}` };
}

/**
 * Classifies a session from already-fetched raw data (no Redis access), so the fleet
 * scanner can fetch many sessions per pipeline and classify them locally. Pure.
 */
export function classifyRawSession(raw: RawSession): SessionClassification {
  // The backup first: entries equal to its elements are known turns (see analyzeEntries).
  const entries = analyzeEntries(raw.turns.entries, knownTurnsOf(raw.backup.type, raw.backup.value) ?? undefined);
  const examined = raw.turns.entries.length;
  const primary: PrimaryAnalysis = {
    key: raw.turns.key,
    type: raw.turns.type,
    ttlMs: raw.turns.ttlMs,
    entries: Math.max(raw.turns.length, examined),
    examined,
    valid: entries.valid,
    invalid: examined - entries.valid,
    problems: entries.problems,
    invalidIndexes: entries.invalidIndexes.slice(0, MAX_LISTED_INVALID_INDEXES),
  };
  const backupCheck = analyzeBackup(raw.backup.type, raw.backup.value);
  const backup: BackupAnalysis = {
    key: raw.backup.key,
    type: raw.backup.type,
    ttlMs: raw.backup.ttlMs,
    health: backupCheck.health,
    turns: backupCheck.turns.length,
    bytes: raw.backup.value?.length ?? 0,
  };
  const missingTtl: Array<'turns' | 'backup'> = [];
  if (raw.turns.type !== 'none' && raw.turns.ttlMs === PTTL_PERSISTENT) missingTtl.push('turns');
  if (raw.backup.type !== 'none' && raw.backup.ttlMs === PTTL_PERSISTENT) missingTtl.push('backup');
  return {
    sessionId: raw.sessionId,
    ...verdict(primary, backup),
    complete: examined >= primary.entries,
    primary,
    backup,
    missingTtl,
  };
}
