/**
 * The audit log file: JSON lines, appended, created with mode 0600 (its directory 0700).
 * Default `~/.local/state/manga-oncall/audit.jsonl` (`$XDG_STATE_HOME` when set), or the
 * config's `auditPath`. Appends are whole lines in one write each batch, so a reader never
 * sees half a record except a torn last line after a crash, which is skipped and counted.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { AUDIT_SCHEMA_VERSION, mergeAuditLines, type AuditEntry, type AuditLine } from './record.js';

/** The state directory: config `stateDir`, else `$XDG_STATE_HOME/manga-oncall`, else `~/.local/state/manga-oncall`. */
export function stateDirOf(config: Pick<Config, 'stateDir'>, env: NodeJS.ProcessEnv = process.env): string {
  if (config.stateDir) return config.stateDir;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'manga-oncall');
}

export function auditPathOf(config: Pick<Config, 'stateDir' | 'auditPath'>, env: NodeJS.ProcessEnv = process.env): string {
  if (config.auditPath) return config.auditPath;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'manga-oncall', 'audit.jsonl');
}

/**
 * A new audit id: `fx-` plus the time in base 36 and 6 random hex digits, e.g.
 * `fx-m3k9z2a1-4f9c2e`. Sortable by time, short enough to type after `undo`.
 */
export function newAuditId(now: number = Date.now()): string {
  return `fx-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const AUDIT_ID_PATTERN = /^fx-[0-9a-z]{1,12}-[0-9a-f]{6}$/;

export interface AuditReadResult {
  entries: AuditEntry[];
  /** Lines that did not parse (a torn last line after a crash). */
  skipped: number;
}

/** One line of the log: the same text as JSON.stringify({schemaVersion, ...line}), without copying the line. */
export function auditLineText(line: Omit<AuditLine, 'schemaVersion'>): string {
  return `{"schemaVersion":${AUDIT_SCHEMA_VERSION},${JSON.stringify(line).slice(1)}`;
}

export class AuditLog {
  constructor(readonly path: string) {}

  /** Appends lines in one write. Creates the file with mode 0600 and its directory with 0700. */
  async append(lines: readonly Omit<AuditLine, 'schemaVersion'>[]): Promise<void> {
    if (lines.length === 0) return;
    let text = '';
    for (const l of lines) text += auditLineText(l) + '\n';
    this.write(text);
  }

  /**
   * Appends lines already serialized as `append` would (FleetAuditText), in one write.
   * Each is one JSON object without its newline.
   */
  async appendText(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    this.write(lines.join('\n') + '\n');
  }

  private dirReady = false;

  /**
   * One synchronous append. An intent must be on file before its change is sent, and an
   * asynchronous append (mkdir, open, write, close, each a trip through the thread pool and
   * back through a busy event loop) held a fleet's next batch back by tens of milliseconds;
   * a write of a few hundred kilobytes to the page cache takes a fraction of one.
   */
  private write(text: string): void {
    if (!this.dirReady) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      this.dirReady = true;
    }
    appendFileSync(this.path, text, { mode: 0o600, encoding: 'utf8' });
  }

  /** Every entry, oldest first (intent and outcome merged). An absent file is an empty log. */
  async read(): Promise<AuditReadResult> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: 0 };
      throw err;
    }
    const lines: AuditLine[] = [];
    let skipped = 0;
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        const parsed = JSON.parse(raw) as AuditLine;
        if (parsed.schemaVersion !== AUDIT_SCHEMA_VERSION || typeof parsed.id !== 'string' || (parsed.phase !== 'intent' && parsed.phase !== 'outcome')) skipped++;
        else lines.push(parsed);
      } catch {
        skipped++;
      }
    }
    return { entries: mergeAuditLines(lines), skipped };
  }

  /** One entry by id, or undefined. */
  async find(id: string): Promise<AuditEntry | undefined> {
    return (await this.read()).entries.find((e) => e.id === id);
  }
}
