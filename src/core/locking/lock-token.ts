import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who holds a session lock, as recovered from its token. On-call sees this in `inspect`
 * and before a forced release, so it can tell a crashed task from a slow one.
 */
export interface LockHolder {
  /** Host name of the holder (colons and whitespace replaced by `-`). */
  readonly host: string;
  readonly pid: number;
  /** When the holder acquired the lock, epoch ms. */
  readonly acquiredAt: number;
}

/** Colons separate the token's fields; a host name must not add any. */
function tokenSafeHost(name: string): string {
  return name.replace(/[:\s]/g, '-') || 'unknown-host';
}

/**
 * A fresh lock token `<host>:<pid>:<acquired-at-ms>:<128 random bits, hex>`. The random part
 * alone makes it unique (so compare-and-delete can tell holders apart); the rest makes it
 * self-describing for whoever reads the key during an incident.
 */
export function newLockToken(now: number = Date.now()): string {
  return `${tokenSafeHost(hostname())}:${process.pid}:${now}:${randomBytes(16).toString('hex')}`;
}

/**
 * Parses a token written by {@link newLockToken}; returns null for any other value (a lock
 * written by an older orchestrator or by hand), which is still a lock, just an anonymous one.
 */
export function lockHolderOf(token: string): LockHolder | null {
  const parts = token.split(':');
  if (parts.length !== 4) return null;
  const [host, pid, at, random] = parts as [string, string, string, string];
  if (!host || !/^\d+$/.test(pid) || !/^\d+$/.test(at) || !/^[0-9a-f]{32}$/.test(random)) return null;
  return { host, pid: Number(pid), acquiredAt: Number(at) };
}
