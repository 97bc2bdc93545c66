/**
 * The repairs `fix` applies to one session's Redis keys, as executor operations, so every one
 * of them quarantines what it replaces in the same MULTI/EXEC as the write and can be undone
 * by `restoreFromQuarantine`. Scenario 1's three are in operations.ts; this file adds the
 * routing repairs (scenario 2) and the lock release (scenario 5) and maps a repair by name.
 *
 * `RoutingStateStore.clearRouting` / `pinAgent` and `forceReleaseLock` remain the
 * orchestrator's own paths (no quarantine, one command); these are on-call's, with a pre-image.
 */
import { CoreError } from '../errors.js';
import type { SessionKeys } from '../keys.js';
import { lockHolderOf } from '../locking/lock-token.js';
import { routeDecisionProblem } from '../routing/route-decision.js';
import { PTTL_PERSISTENT } from '../redis-types.js';
import type { KeySnapshot } from './key-snapshot.js';
import { cleanSlateOperation, partialRecoverOperation, restoreFromBackupOperation } from './operations.js';
import { sessionFingerprint } from './fingerprint.js';
import type { WriteOperation } from './types.js';

/** A repair of one session's Redis keys, by the contract's action name. */
export type SessionRepair =
  | { action: 'restore-backup' }
  | { action: 'partial-recover' }
  | { action: 'clean-slate' }
  | { action: 'clear-routing' }
  | { action: 'pin-agent'; agent: string }
  /**
   * `observedToken`: the token on-call was shown (the lock must still hold it); null to take
   * whatever token is there now. `allowLive`: release a lock whose lease has not expired
   * (`--force`); otherwise a live holder is refused with CoreError LOCK_HELD.
   */
  | { action: 'release-lock'; observedToken: string | null; allowLive: boolean };

function snapshotOf(snapshots: ReadonlyMap<string, KeySnapshot>, key: string): KeySnapshot {
  const found = snapshots.get(key);
  if (!found) throw new Error(`bug: ${key} was not read`);
  return found;
}

/** clear-routing: quarantine and delete the current turn's `routes` list. No-op when absent. */
export function clearRoutingOperation(keys: SessionKeys): WriteOperation {
  return {
    action: 'clear-routing',
    readKeys: [keys.routes],
    decide(snapshots) {
      const routes = snapshotOf(snapshots, keys.routes);
      if (routes.form === 'absent') return { kind: 'noop', reason: 'the session has no routing decisions to clear', turnsBefore: 0 };
      const what = routes.form === 'list' ? `${routes.entries.length} routing decision(s)` : `a ${routes.type} key where the routes list belongs`;
      return { kind: 'apply', reason: `cleared ${what}`, writes: [{ key: keys.routes, op: 'delete' }], turnsBefore: 0, turnsAfter: 0 };
    },
  };
}

/**
 * pin-agent: set the `pin` key to `agent` with the session expiry. No-op when that agent is
 * already pinned. The routes are read too: the agent was usually chosen from them, so a
 * new routing decision since the plan changes the precondition.
 */
export function pinAgentOperation(keys: SessionKeys, agent: string, ttlMs: number): WriteOperation {
  const problem = routeDecisionProblem({ agent, confidence: 1, at: 0 });
  if (problem) throw new CoreError('PRECONDITION_FAILED', `cannot pin agent ${JSON.stringify(agent)}: ${problem}`, { suggestion: 'pass --agent with an agent name of the Agent Squad' });
  return {
    action: 'pin-agent',
    readKeys: [keys.pin, keys.routes],
    decide(snapshots) {
      const pin = snapshotOf(snapshots, keys.pin);
      if (pin.form === 'string' && pin.value.toString('utf8') === agent) return { kind: 'noop', reason: `${agent} is already pinned`, turnsBefore: 0 };
      const before = pin.form === 'string' ? `replacing the pin on ${pin.value.toString('utf8')}` : pin.form === 'absent' ? 'no agent was pinned' : `replacing a ${pin.type} key`;
      return { kind: 'apply', reason: `pinned ${agent} (${before})`, writes: [{ key: keys.pin, op: 'string', value: Buffer.from(agent, 'utf8'), ttlMs }], turnsBefore: 0, turnsAfter: 0 };
    },
  };
}

function holderText(token: string, ttlMs: number): string {
  const holder = lockHolderOf(token);
  const who = holder ? `${holder.host} pid ${holder.pid}, held since ${new Date(holder.acquiredAt).toISOString()}` : 'an anonymous holder';
  return ttlMs === PTTL_PERSISTENT ? `${who}, with no expiry` : `${who}, lease ${ttlMs} ms left`;
}

/**
 * release-lock: quarantine and delete the session's `lock` key. A lock with no expiry (its
 * holder died) is stale and released; a live lease is refused with CoreError LOCK_HELD unless
 * `allowLive`. With `observedToken`, a lock that changed hands since is refused
 * (PRECONDITION_FAILED). Equivalent to the compare-and-delete of `forceReleaseLock`, done
 * through WATCH so the pre-image is quarantined in the same transaction.
 */
export function releaseLockOperation(keys: SessionKeys, observedToken: string | null, allowLive: boolean): WriteOperation {
  return {
    action: 'release-lock',
    readKeys: [keys.lock],
    decide(snapshots) {
      const lock = snapshotOf(snapshots, keys.lock);
      if (lock.form === 'absent') return { kind: 'noop', reason: 'the session holds no lock', turnsBefore: 0 };
      if (lock.form !== 'string') {
        throw new CoreError('PRECONDITION_FAILED', `the lock key is a ${lock.type}, not a lock token`, { suggestion: 'inspect the key by hand; it was not written by the orchestrator' });
      }
      const token = lock.value.toString('utf8');
      if (observedToken !== null && token !== observedToken) {
        throw new CoreError('PRECONDITION_FAILED', 'the lock changed hands since it was inspected', { suggestion: 'inspect the session again and re-plan' });
      }
      if (lock.ttlMs >= 0 && !allowLive) {
        throw new CoreError('LOCK_HELD', `the lock has a live holder: ${holderText(token, lock.ttlMs)}`, {
          suggestion: 'a live lease ends by itself; wait for it, or pass --force if the holder is known to be stuck',
        });
      }
      return { kind: 'apply', reason: `released the lock of ${holderText(token, lock.ttlMs)}`, writes: [{ key: keys.lock, op: 'delete' }], turnsBefore: 0, turnsAfter: 0 };
    },
  };
}

/** The executor operation of a repair. */
export function repairOperation(keys: SessionKeys, repair: SessionRepair, ttlMs: number): WriteOperation {
  switch (repair.action) {
    case 'restore-backup':
      return restoreFromBackupOperation(keys, ttlMs);
    case 'partial-recover':
      return partialRecoverOperation(keys, ttlMs);
    case 'clean-slate':
      return cleanSlateOperation(keys);
    case 'clear-routing':
      return clearRoutingOperation(keys);
    case 'pin-agent':
      return pinAgentOperation(keys, repair.agent, ttlMs);
    case 'release-lock':
      return releaseLockOperation(keys, repair.observedToken, repair.allowLive);
  }
}

/**
 * Wraps an operation so that, at apply time, it first checks that the keys it read still
 * fingerprint as they did when the fix was planned (see fingerprint.ts). The check runs on
 * the snapshots the executor read after WATCH, so it is atomic with the write: a change
 * after the check aborts the EXEC, and the re-read fails the check.
 */
export function guardedByFingerprint(
  op: WriteOperation,
  expected: string,
  refusal: { message: string; suggestion: string } = {
    message: 'the session changed since the fix was planned',
    suggestion: 'run the command again to plan the fix on the current data',
  },
): WriteOperation {
  return {
    ...op,
    decide(snapshots) {
      const now = sessionFingerprint(snapshots, op.readKeys);
      if (now !== expected) throw new CoreError('PRECONDITION_FAILED', refusal.message, { suggestion: refusal.suggestion });
      return op.decide(snapshots);
    },
  };
}
