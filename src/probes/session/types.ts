import type { LockStatus } from '../../core/locking/index.js';
import type { BackupHealth, RecoveryAction, SessionHealthStatus } from '../../core/sessions/index.js';

/**
 * One conversation across every store (`diagnose --session <id>`): the Redis keys, the
 * DynamoDB item with its exact size, the S3 overflow snapshot, the session's log events,
 * and which copy is authoritative. Message content is masked unless the caller asked to
 * reveal it on a terminal. A store that could not be read says so in its `error`.
 */
export interface SessionView {
  sessionId: string;
  authoritative: { copy: AuthoritativeCopy; reason: string };
  redis: RedisSessionPart;
  dynamodb: DynamoSessionPart;
  s3: S3SessionPart | null;
  logs: LogsSessionPart;
  /** What is wrong with it, per scenario, with the `fix session` action that applies. */
  problems: SessionProblem[];
  /** The last turns of the authoritative copy (content masked unless revealed). */
  recentTurns: RecentTurn[];
}

export type AuthoritativeCopy = 'redis.turns' | 'redis.backup' | 'dynamodb' | 'dynamodb+s3' | 'none';

export interface RecentTurn {
  index: number;
  role: string;
  agent?: string;
  ts?: string;
  content: string;
}

export interface SessionProblem {
  scenario: number;
  what: string;
  /** The `fix session` action that repairs it, or null when it needs no write (a live lock). */
  action: string | null;
}

export interface RedisSessionPart {
  error?: string;
  status?: SessionHealthStatus;
  recommendedAction?: RecoveryAction | null;
  summary?: string;
  turns?: { type: string; ttlMs: number; entries: number; valid: number; invalid: number; lastTs?: string };
  backup?: { health: BackupHealth; turns: number; bytes: number; ttlMs: number };
  routes?: { count: number; agents: string[]; confidences: number[]; loop: boolean; explanation: string };
  pin?: string | null;
  lock?: { status: LockStatus; remainingMs: number | null; holder: { host: string; pid: number; acquiredAt: string } | null };
  state?: { exists: boolean; version?: number };
}

export interface DynamoSessionPart {
  error?: string;
  exists?: boolean;
  /** Turns in the item itself. */
  storedTurns?: number;
  turnCount?: number;
  compactedTurnCount?: number;
  sizeBytes?: number;
  limitBytes?: number;
  /** Bytes left under 400 KB (negative when over). */
  headroomBytes?: number;
  overflowKey?: string;
  createdAt?: string;
  updatedAt?: string;
  lastTs?: string;
}

export interface S3SessionPart {
  key: string;
  error?: string;
  turns?: number;
  /** Turns of the whole history (snapshot joined with the item). */
  historyTurns?: number;
}

export interface LogsSessionPart {
  error?: string;
  events?: SessionLogEvent[];
  counts?: Record<string, number>;
}

export interface SessionLogEvent {
  at: string;
  event: string;
  turnId?: string;
  level?: string;
  errorType?: string;
  agent?: string;
  confidence?: number;
  tool?: string;
  status?: string;
  latencyMs?: number;
  message?: string;
}
