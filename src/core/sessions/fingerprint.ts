import { createHash } from 'node:crypto';
import type { KeySnapshot } from './key-snapshot.js';

/**
 * Fingerprints of what a repair read: the precondition a planned fix re-checks at apply time
 * ("the session changed since the plan" is a different fingerprint). TTLs are left out, since
 * they tick down between two reads; type and bytes are in.
 *
 * The algorithm is mirrored in `src/core/lua/applySessionRepair-7.lua` (the fleet path checks
 * it inside Redis): `none`; `string:<sha1 of the bytes>`; `list:<sha1 of the concatenation of
 * "<byte length>:<entry bytes>" for every entry>`; other types `<type>:<sha1 of the DUMP payload>`
 * (the Lua side refuses those, and the caller falls back to the WATCH executor).
 */
export function keyFingerprint(snapshot: KeySnapshot): string {
  let fp = computed.get(snapshot);
  if (fp === undefined) computed.set(snapshot, (fp = fingerprintOf(snapshot)));
  return fp;
}

/** Snapshots are never mutated: a plan and its script arguments hash each key once. */
const computed = new WeakMap<KeySnapshot, string>();

function fingerprintOf(snapshot: KeySnapshot): string {
  switch (snapshot.form) {
    case 'absent':
      return 'none';
    case 'string':
      return `string:${createHash('sha1').update(snapshot.value).digest('hex')}`;
    case 'list': {
      const hash = createHash('sha1');
      for (const entry of snapshot.entries) {
        hash.update(`${entry.length}:`);
        hash.update(entry);
      }
      return `list:${hash.digest('hex')}`;
    }
    case 'dump':
      return `${snapshot.type}:${createHash('sha1').update(snapshot.payload).digest('hex')}`;
  }
}

/**
 * One fingerprint for several keys: the sha1 of `<key>=<keyFingerprint>` lines in the order
 * given. A key missing from `snapshots` counts as absent.
 */
export function sessionFingerprint(snapshots: ReadonlyMap<string, KeySnapshot>, keys: readonly string[]): string {
  return combineFingerprints(keys.map((key) => {
    const snapshot = snapshots.get(key);
    return [key, snapshot ? keyFingerprint(snapshot) : 'none'];
  }));
}

/** {@link sessionFingerprint} from key fingerprints already computed (by Redis, in the fleet's read-back). */
export function combineFingerprints(entries: ReadonlyArray<readonly [string, string]>): string {
  const hash = createHash('sha1');
  for (const [key, fp] of entries) hash.update(`${key}=${fp}\n`);
  return hash.digest('hex');
}
