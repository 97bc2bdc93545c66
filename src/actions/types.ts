/**
 * The remediation actions of `fix` (contract section 2): one per file, all behind this
 * interface, registered in index.ts. Each one plans (reads only), applies through the
 * recovery core (which keeps the pre-image), verifies by reading back, and undoes from its
 * audit record. None of them prints, prompts or exits: src/actions/runner.ts sequences them
 * and the CLI renders what they return.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/schema.js';
import type { Catalog } from '../core/grounding/index.js';
import type { KeyLayout } from '../core/keys.js';
import type { RedisClient } from '../core/redis-types.js';
import type { SessionId } from '../core/session-id.js';
import type { SessionStore } from '../core/sessions/index.js';
import type { ActionName } from '../runbooks/index.js';
import type { AuditEntry } from './audit/record.js';

export type { ActionName };

/** The stores an action works on, each built on first use. */
export interface ActionEnv {
  readonly config: Config;
  readonly layout: KeyLayout;
  redis(): Promise<RedisClient>;
  sessions(): Promise<SessionStore>;
  /** DocumentClient with the write role's credentials when one is configured. */
  ddb(): Promise<DynamoDBDocumentClient>;
  s3(): Promise<S3Client>;
  /** The `manga_products` catalog, for the grounding check of flag-review. */
  catalog(): Promise<Catalog>;
  now(): number;
}

export interface PlanOptions {
  /** pin-agent: the agent to pin (default: the fallback the core chooses from the routes). */
  agent?: string;
  /** release-lock: release a live holder's lock. */
  force?: boolean;
}

/** Facts about one key or object, never its content. */
export interface KeyFacts {
  type: string;
  /** List entries, or turns for an item. */
  entries?: number;
  bytes: number;
  /** Remaining TTL in ms; -1 none; null where TTLs do not apply (DynamoDB, S3). */
  ttlMs: number | null;
}

/** One key, item or object a fix writes or deletes, before and after. */
export interface DiffEntry {
  store: 'redis' | 'dynamodb' | 's3';
  key: string;
  change: 'write' | 'create' | 'delete' | 'expire';
  before: KeyFacts | null;
  after: KeyFacts | null;
}

/** The plan as a data diff (contract section 6): what changes, in numbers, never in content. */
export interface DataDiff {
  entries: DiffEntry[];
  /** Turns of the session (the Redis list, or the DynamoDB history) before and after. */
  turns: { before: number; after: number } | null;
  /** The DynamoDB item's size by DynamoDB's rules and its headroom under 400 KB. */
  item: { bytesBefore: number; bytesAfter: number; limitBytes: number; headroomBefore: number; headroomAfter: number } | null;
  written: string[];
  deleted: string[];
}

/** Why a plan does not apply; the CLI exits 5 with this message. */
export interface Refusal {
  code: 'NOT_APPLICABLE' | 'LOCK_HELD' | 'PRECONDITION_FAILED' | 'ITEM_TOO_LARGE' | 'NOT_FOUND';
  message: string;
  suggestion?: string;
}

export interface ActionPlan {
  action: ActionName;
  sessionId: SessionId;
  /** `noop`: already in the target state (an idempotent rerun); `refused`: does not apply. */
  status: 'ready' | 'noop' | 'refused';
  /** One line: what it will do, or why not. */
  summary: string;
  refusal?: Refusal;
  diff: DataDiff;
  /** What the plan read, re-checked at apply time. */
  fingerprint: string;
  /** Action-specific data carried to apply and verify (never rendered). */
  state: unknown;
}

/** The places a fix keeps what it replaced. */
export interface PreImageRef {
  /** Redis quarantine record (`manga:quarantine:<id>:<ms>`). */
  quarantineKey?: string;
  /** S3 object holding a DynamoDB item's pre-image. */
  s3Key?: string;
  /**
   * Before a Redis write the record's exact key is not known yet (the core picks a free one
   * inside the transaction): the intent names the session's quarantine pattern and the time
   * from which its record dates; the outcome names the key.
   */
  quarantinePattern?: string;
  notBefore?: number;
}

export interface ApplyHooks {
  /** The audit id this change is recorded under (flag-review writes it into its mark). */
  auditId: string;
  /**
   * Called once the pre-image is safe (or, for the Redis path, where it will be written in
   * the same transaction) and before the change: the runner appends the intent record here.
   */
  beforeWrite(preImage: PreImageRef): Promise<void>;
}

export interface ApplyResult {
  /** `already-applied`: someone else got there first; nothing was written. */
  status: 'applied' | 'already-applied';
  preImage: PreImageRef;
  keysWritten: string[];
  keysDeleted: string[];
  /** Masked facts for the audit record (counts, versions, keys). */
  details: Record<string, unknown>;
  /** Carried to verify. */
  state: unknown;
}

export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  ok: boolean;
  checks: VerificationCheck[];
  /** What the session looks like after the fix, for undo's "changed since" check. */
  after: { fingerprint?: string; itemDigest?: string };
}

export interface UndoOptions {
  /** Undo even though the session changed since the fix (what is replaced is kept first). */
  force: boolean;
  dryRun?: boolean;
}

export interface UndoResult {
  status: 'restored' | 'already-restored' | 'planned';
  preImage: PreImageRef;
  keysWritten: string[];
  keysDeleted: string[];
  details: Record<string, unknown>;
  verification: Verification;
}

export interface RemediationAction {
  readonly name: ActionName;
  /** The runbook it belongs to. */
  readonly scenario: 1 | 2 | 3 | 4 | 5;
  readonly stores: readonly ('redis' | 'dynamodb' | 's3')[];
  /** One line for `fix --help` and proposals. */
  readonly description: string;
  /** Reads and decides; writes nothing. Refusals are returned, not thrown. */
  plan(env: ActionEnv, id: SessionId, opts: PlanOptions): Promise<ActionPlan>;
  /** Applies a `ready` plan; throws CoreError PRECONDITION_FAILED when the session changed since. */
  apply(env: ActionEnv, plan: ActionPlan, hooks: ApplyHooks): Promise<ApplyResult>;
  verify(env: ActionEnv, plan: ActionPlan, result: ApplyResult): Promise<Verification>;
  /** Restores the pre-image an applied change recorded. */
  undo(env: ActionEnv, entry: AuditEntry, opts: UndoOptions): Promise<UndoResult>;
}
