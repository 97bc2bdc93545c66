import * as cryptoModule from 'node:crypto';
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
      return `string:${sha1(snapshot.value)}`;
    case 'list':
      return `list:${sha1(packEntries(snapshot.entries))}`;
    case 'dump':
      return `${snapshot.type}:${sha1(snapshot.payload)}`;
  }
}

/**
 * SHA-1 in hex, in one call where Node has `crypto.hash` (20.12 and later): a Hash object and
 * a call per update cost more than the hashing of a session's few hundred bytes.
 */
const oneShot = (cryptoModule as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;
export function sha1(data: string | Buffer): string {
  return oneShot ? oneShot('sha1', data, 'hex') : createHash('sha1').update(data).digest('hex');
}

/**
 * A list's entries as its fingerprint hashes them, and as the fleet's repair script takes a
 * list to write: `<byte length>:<entry bytes>` for every entry, concatenated, into one Buffer.
 * Entries given as text are written as UTF-8.
 */
export function packEntries(entries: readonly (Buffer | string)[]): Buffer {
  const lengths = entries.map((e) => (typeof e === 'string' ? Buffer.byteLength(e, 'utf8') : e.length));
  let size = 0;
  for (const n of lengths) size += String(n).length + 1 + n;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  entries.forEach((e, i) => {
    at += out.write(`${lengths[i]}:`, at, 'latin1');
    at += typeof e === 'string' ? out.write(e, at, 'utf8') : e.copy(out, at);
  });
  return out;
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
  let text = '';
  for (const [key, fp] of entries) text += `${key}=${fp}\n`;
  return sha1(text);
}
