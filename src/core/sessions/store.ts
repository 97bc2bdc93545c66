import { CoreError, WriteConflictError } from '../errors.js';
import { DEFAULT_LAYOUT, parseQuarantineKey, SESSION_TTL_SECONDS, sessionKeys, type KeyLayout, type SessionKeys } from '../keys.js';
import { listQuarantine, readQuarantine, type QuarantineRecord, type QuarantineRef } from '../quarantine.js';
import { isClusterClient, type RedisClient } from '../redis-types.js';
import { parseSessionId, type SessionId } from '../session-id.js';
import type { Turn } from '../turn.js';
import { analyzeEntries, classifyRawSession, type RecoveryAction, type SessionClassification } from './classify.js';
import type { StoreContext } from './context.js';
import { executeWrite } from './executor.js';
import { readKeySnapshots } from './key-snapshot.js';
import { DEFAULT_PUSH_BATCH } from './key-write.js';
import {
  assertRecordBelongsTo,
  cleanSlateOperation,
  partialRecoverOperation,
  restoreFromBackupOperation,
  restoreFromQuarantineOperation,
} from './operations.js';
import { rawSessionFromSnapshots } from './raw-session.js';
import { applySessionRepair, planSessionRepair, type SessionRepairPlan } from './repair.js';
import { guardedByFingerprint, type SessionRepair } from './repair-operations.js';
import { saveSession } from './save.js';
import type { SessionWriteResult, WriteOptions, WriteOutcome } from './types.js';

export interface SessionStoreOptions {
  redis: RedisClient;
  layout?: KeyLayout;
  /** Expiry set on every write of turns and backup. Default 1800 (the contract's). */
  ttlSeconds?: number;
  /** Clock for quarantine key names; injectable for tests. */
  now?: () => number;
  /**
   * All keys of a write in one MULTI/EXEC. Default: true, except for a cluster client with
   * a layout without hash tags, where a session's keys are in different slots (MULTI would
   * fail with CROSSSLOT) and the store writes key by key in a safe order instead. Asking for
   * `true` in that case is refused with CoreError CROSSSLOT_HAZARD.
   */
  atomic?: boolean;
  /** Entries per LRANGE when reading a list. Default 1000. */
  chunkSize?: number;
  /** Entries per RPUSH when writing a list. Default 1000. */
  pushBatch?: number;
  /** Optimistic attempts before WriteConflictError. Default 3. */
  maxAttempts?: number;
}

/** Where `load` got the turns it returns. `empty` (no data at all) is not corruption. */
export type LoadSource = 'primary' | 'backup' | 'partial' | 'clean_slate' | 'empty';

export interface SessionLoadResult {
  sessionId: string;
  source: LoadSource;
  /** True when a recovery step answered (backup, partial, clean slate). */
  recovered: boolean;
  turns: Turn[];
  /** The entries found in the turns list before any recovery. */
  counts: { entries: number; valid: number; invalid: number };
  /** Records holding what the recovery replaced or removed. */
  quarantineKeys: string[];
  /** The session as it was found. */
  classification: SessionClassification;
  /** Keys found without an expiry; any write of the store sets one. */
  missingTtl: Array<'turns' | 'backup'>;
  /** The recovery write, when there was one. */
  write: SessionWriteResult | null;
}

/** A read-only look at one session: its verdict and the turns that are valid. */
export interface SessionInspection {
  classification: SessionClassification;
  /** Valid turns of the list, in order. Holds user content: mask it before output. */
  turns: Turn[];
}

const SOURCE_OF: Record<RecoveryAction, LoadSource> = {
  'restore-backup': 'backup',
  'partial-recover': 'partial',
  'clean-slate': 'clean_slate',
};

/**
 * The recovery core of scenario 1 (agent memory corruption): loads sessions through the
 * cascade primary -> backup -> partial recovery -> clean slate, saves them with a backup,
 * and repairs them. Unlike the runbook's sketch, no step drops data silently: whatever a
 * repair replaces or removes is written to a quarantine record in the same MULTI/EXEC as
 * the repair (see executor.ts), and {@link SessionStore.restoreFromQuarantine} puts it back.
 *
 * Methods take a {@link SessionId}: raw strings go through `parseSessionId` at the edge.
 */
export class SessionStore {
  readonly layout: KeyLayout;
  readonly atomic: boolean;
  private readonly ctx: StoreContext;

  constructor(opts: SessionStoreOptions) {
    const layout = opts.layout ?? DEFAULT_LAYOUT;
    const crossSlot = isClusterClient(opts.redis) && !layout.hashTags;
    if (crossSlot && opts.atomic === true) {
      throw new CoreError('CROSSSLOT_HAZARD', 'atomic session writes need hash tags on a cluster: a session\'s keys are in different slots', {
        suggestion: 'set redis.hashTags: true (keys {<id>}) or let the store write key by key (atomic: false)',
      });
    }
    this.layout = layout;
    this.atomic = opts.atomic ?? !crossSlot;
    this.ctx = {
      redis: opts.redis,
      layout,
      ttlSeconds: opts.ttlSeconds ?? SESSION_TTL_SECONDS,
      now: opts.now ?? Date.now,
      atomic: this.atomic,
      read: { chunkSize: opts.chunkSize ?? 1000 },
      pushBatch: opts.pushBatch ?? DEFAULT_PUSH_BATCH,
      maxAttempts: opts.maxAttempts ?? 3,
    };
  }

  /** The session's keys in this store's layout. */
  keys(id: SessionId): SessionKeys {
    return sessionKeys(this.layout, id);
  }

  /** Reads and classifies a session. Writes nothing (diagnose, scan and inspect use it). */
  async inspect(id: SessionId): Promise<SessionInspection> {
    const keys = this.keys(id);
    const snapshots = await readKeySnapshots(this.ctx.redis, [keys.turns, keys.backup], this.ctx.read);
    const raw = rawSessionFromSnapshots(id, snapshots.get(keys.turns)!, snapshots.get(keys.backup)!);
    const turns = analyzeEntries(raw.turns.entries).checks.flatMap((c) => (c.ok ? [c.turn] : []));
    return { classification: classifyRawSession(raw), turns };
  }

  /**
   * Loads a session, repairing it when needed: primary when every entry is a turn, else the
   * backup (when it holds at least the valid entries), else the valid entries (partial),
   * else a clean slate. A repair that finds the data changed since the classification
   * (someone else wrote or fixed it) starts the cascade over on the new data.
   */
  async load(id: SessionId): Promise<SessionLoadResult> {
    for (let round = 1; round <= this.ctx.maxAttempts; round++) {
      const { classification, turns } = await this.inspect(id);
      const { primary } = classification;
      const base = {
        sessionId: id,
        counts: { entries: primary.entries, valid: primary.valid, invalid: primary.invalid },
        classification,
        missingTtl: classification.missingTtl,
      };
      const action = classification.recommendedAction;
      if (action === null) {
        const source: LoadSource = classification.status === 'empty' ? 'empty' : 'primary';
        return { ...base, source, recovered: false, turns, quarantineKeys: [], write: null };
      }
      let outcome: WriteOutcome;
      try {
        outcome = await this.run(action, id, {});
      } catch (err) {
        if (err instanceof CoreError && err.code === 'PRECONDITION_FAILED') continue;
        throw err;
      }
      if (!outcome.result.applied) continue;
      return {
        ...base,
        source: SOURCE_OF[action],
        recovered: true,
        turns: outcome.turns ?? [],
        quarantineKeys: outcome.result.quarantineKeys,
        write: outcome.result,
      };
    }
    throw new WriteConflictError(id, this.ctx.maxAttempts);
  }

  /** Saves turns and backup (see saveSession): validated, with TTLs, atomically when possible. */
  save(id: SessionId, turns: readonly Turn[]): Promise<SessionWriteResult> {
    return saveSession(this.ctx, id, turns);
  }

  /** Replaces the turns list with the backup, quarantining the replaced list first. */
  async restoreFromBackup(id: SessionId, opts: WriteOptions = {}): Promise<SessionWriteResult> {
    return (await this.run('restore-backup', id, opts)).result;
  }

  /** Keeps only the valid entries (and rewrites the backup from them), quarantining both old keys first. */
  async partialRecover(id: SessionId, opts: WriteOptions = {}): Promise<SessionWriteResult> {
    return (await this.run('partial-recover', id, opts)).result;
  }

  /** Quarantines then deletes turns, backup, state, routes and pin, in one transaction. */
  async cleanSlate(id: SessionId, opts: WriteOptions = {}): Promise<SessionWriteResult> {
    return (await this.run('clean-slate', id, opts)).result;
  }

  /** Runs one of the contract's scenario-1 remediations by name. */
  async applyRecovery(action: RecoveryAction, id: SessionId, opts: WriteOptions = {}): Promise<SessionWriteResult> {
    return (await this.run(action, id, opts)).result;
  }

  /** The session's quarantine records, oldest first. */
  listQuarantine(id: SessionId): Promise<QuarantineRef[]> {
    return listQuarantine(this.ctx.redis, this.layout, id);
  }

  /** One quarantine record (CoreError NOT_FOUND when gone, CORRUPT_DATA when malformed). */
  readQuarantine(key: string): Promise<QuarantineRecord> {
    return readQuarantine(this.ctx.redis, key);
  }

  /**
   * Puts back exactly the keys a record holds (type, bytes, the TTL they had left), after
   * quarantining what they replace. The record must belong to the session its key names
   * and name only that session's keys. Idempotent; the record itself is kept. With
   * `expectFingerprint` (of the turns key and the record's keys, in that order, as
   * `sessionFingerprint` computes it), refuses when they changed since.
   */
  async restoreFromQuarantine(key: string, opts: WriteOptions & { expectFingerprint?: string } = {}): Promise<SessionWriteResult> {
    const parsed = parseQuarantineKey(this.layout, key);
    if (!parsed) {
      throw new CoreError('NOT_FOUND', `${JSON.stringify(key)} is not a quarantine key of prefix ${this.layout.prefix}`, {
        suggestion: 'quarantine keys look like <prefix>:quarantine:<session-id>:<epoch-ms>',
      });
    }
    const id = parseSessionId(parsed.sessionId);
    const record = await readQuarantine(this.ctx.redis, key);
    const keys = assertRecordBelongsTo(this.layout, id, record);
    const op = restoreFromQuarantineOperation(keys, record, key);
    // With `expectFingerprint` (the session as a fix left it), a session changed since is refused.
    const run =
      opts.expectFingerprint === undefined
        ? op
        : guardedByFingerprint(op, opts.expectFingerprint, {
            message: 'the session changed since the fix',
            suggestion: 'inspect the session; force the restore only if what changed may be replaced (it is quarantined first)',
          });
    return (await executeWrite(this.ctx, id, run, { dryRun: opts.dryRun === true })).result;
  }

  /**
   * What `repair` would do to the session now, and the fingerprint of what it read (see
   * repair.ts). Writes nothing; throws the repair's refusal when it does not apply.
   */
  planRepair(id: SessionId, repair: SessionRepair): Promise<SessionRepairPlan> {
    return planSessionRepair(this.ctx, id, repair);
  }

  /**
   * Applies one of on-call's repairs (scenario 1's, clear-routing, pin-agent, release-lock)
   * with its quarantine record; with `expectFingerprint`, only if the session is still as planned.
   */
  repair(id: SessionId, repair: SessionRepair, opts: WriteOptions & { expectFingerprint?: string } = {}): Promise<SessionWriteResult> {
    return applySessionRepair(this.ctx, id, repair, opts);
  }

  private run(action: RecoveryAction, id: SessionId, opts: WriteOptions): Promise<WriteOutcome> {
    const keys = this.keys(id);
    const ttlMs = this.ctx.ttlSeconds * 1000;
    const op =
      action === 'restore-backup'
        ? restoreFromBackupOperation(keys, ttlMs)
        : action === 'partial-recover'
          ? partialRecoverOperation(keys, ttlMs)
          : cleanSlateOperation(keys);
    return executeWrite(this.ctx, id, op, opts);
  }
}
