/**
 * The fleet's checkpoint journal: `<state dir>/fleet/<key>.jsonl`, one file per selector and
 * target (the same command against the same stores finds the same file). It records the
 * run's start, each change's intent (with its audit id and pre-image reference) before the
 * change is sent, each change's outcome, and the run's end. A run that finds a journal
 * whose last run did not end resumes it: same run id, the previous counts carried over, and
 * every intent without an outcome reconciled against the store (a Redis change committed
 * exactly when its quarantine record exists, since both are written in one transaction).
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionName } from '../types.js';
import { zeroCounts, type FleetOutcome, type FleetSelector, type OutcomeCounts } from './types.js';

export type JournalLine =
  | { t: 'start'; runId: string; at: number; selector: FleetSelector; command: string }
  | { t: 'intent'; runId: string; auditId: string; session: string; action: ActionName; quarantineKey?: string; s3Key?: string; notBefore?: number }
  | { t: 'done'; runId: string; auditId: string; session: string; action: ActionName; outcome: FleetOutcome; reconciled?: boolean }
  | { t: 'end'; runId: string; at: number; interrupted: boolean };

/** An intent the previous, interrupted run wrote without an outcome. */
export type PendingIntent = Extract<JournalLine, { t: 'intent' }>;

export interface Resumed {
  runId: string;
  startedAt: number;
  /** Outcomes recorded by the interrupted run(s). */
  counts: OutcomeCounts;
  pending: PendingIntent[];
}

/** The journal's file name for a selector against a target (Redis endpoint and table). */
export function journalKey(selector: FleetSelector, target: string): string {
  const name = selector.kind === 'scenario' ? `scenario-${selector.scenario}` : `action-${selector.action}`;
  return `${name}-${createHash('sha1').update(target).digest('hex').slice(0, 10)}`;
}

export class FleetJournal {
  private constructor(
    readonly path: string,
    readonly runId: string,
  ) {}

  /** Opens the journal: resumes an unfinished run, or starts a new one. */
  static async open(stateDir: string, key: string, selector: FleetSelector, command: string, now: number): Promise<{ journal: FleetJournal; resumed: Resumed | null }> {
    const dir = join(stateDir, 'fleet');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${key}.jsonl`);
    const resumed = await readUnfinished(path);
    const runId = resumed?.runId ?? `run-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
    const journal = new FleetJournal(path, runId);
    if (!resumed) await journal.append([{ t: 'start', runId, at: now, selector, command }]);
    return { journal, resumed };
  }

  async append(lines: readonly JournalLine[]): Promise<void> {
    if (lines.length === 0) return;
    // Synchronous, as the audit log's appends (see AuditLog): an intent is on file before its change is sent.
    appendFileSync(this.path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o600 });
  }
}

async function readUnfinished(path: string): Promise<Resumed | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lines: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      lines.push(JSON.parse(raw) as JournalLine);
    } catch {
      // A torn last line after a crash: the intent it was writing was never sent.
    }
  }
  const lastStart = lines.map((l) => l.t).lastIndexOf('start');
  if (lastStart < 0) return null;
  const start = lines[lastStart] as Extract<JournalLine, { t: 'start' }>;
  const run = lines.filter((l) => l.runId === start.runId);
  if (run.some((l) => l.t === 'end' && !l.interrupted)) return null;
  const counts = zeroCounts();
  const intents = new Map<string, PendingIntent>();
  for (const l of run) {
    if (l.t === 'intent') intents.set(l.auditId, l);
    if (l.t === 'done') {
      // An intent found never committed is not an outcome: its session was planned again.
      if (!(l.outcome === 'failed' && l.reconciled === false)) counts[l.outcome]++;
      intents.delete(l.auditId);
    }
  }
  return { runId: start.runId, startedAt: start.at, counts, pending: [...intents.values()] };
}
