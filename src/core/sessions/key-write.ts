import type { RedisPipeline } from '../redis-types.js';
import type { KeySnapshot } from './key-snapshot.js';

/**
 * One key's intended end state. `ttlMs` is the expiry to set; -1 leaves the key persistent
 * (only a quarantine restore asks for that, to put back a key that had no TTL).
 */
export type KeyWrite =
  | { key: string; op: 'delete' }
  /**
   * `text`, when the operation made the entries from text: the same entries as strings.
   * `packed`, in a batch plan: the entries as the fleet's script takes them (see
   * `packEntries`). Either way `entries` is made from them on first use only.
   */
  | { key: string; op: 'list'; entries: readonly Buffer[]; ttlMs: number; text?: readonly string[]; packed?: Buffer }
  | { key: string; op: 'string'; value: Buffer; ttlMs: number }
  | { key: string; op: 'restore-dump'; type: string; payload: Buffer; ttlMs: number }
  /** TTL refresh of a key whose content stays as it is. */
  | { key: string; op: 'expire'; ttlMs: number };

/** RPUSH arguments per command: a 100,000-entry list is pushed in batches, never spread at once. */
export const DEFAULT_PUSH_BATCH = 1000;

/**
 * A list write held as its packed entries (`<byte length>:<bytes>` concatenated): one Buffer
 * rather than a string or a Buffer per entry, which is how a batch plan keeps a write until
 * its chunk is applied. `entries` are views into it, made on first use.
 */
export function packedListWrite(key: string, packed: Buffer, ttlMs: number): Extract<KeyWrite, { op: 'list' }> {
  let entries: Buffer[] | undefined;
  return {
    key,
    op: 'list',
    ttlMs,
    packed,
    get entries() {
      return (entries ??= unpackEntries(packed));
    },
  };
}

/** The entries of a packed list (views into it); throws on a malformed one (a bug). */
export function unpackEntries(packed: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < packed.length) {
    const colon = packed.indexOf(0x3a, at);
    const len = colon < 0 ? NaN : Number(packed.toString('latin1', at, colon));
    if (!Number.isInteger(len) || len < 0 || colon + 1 + len > packed.length) throw new Error('bug: malformed packed list');
    out.push(packed.subarray(colon + 1, colon + 1 + len));
    at = colon + 1 + len;
  }
  return out;
}

/**
 * A list write of entries made from text: `entries` (the UTF-8 bytes) are made on first use
 * only, since the fleet path packs `text` and never needs them.
 */
export function textListWrite(key: string, text: readonly string[], ttlMs: number): Extract<KeyWrite, { op: 'list' }> {
  let entries: Buffer[] | undefined;
  return {
    key,
    op: 'list',
    ttlMs,
    text,
    get entries() {
      return (entries ??= text.map((t) => Buffer.from(t, 'utf8')));
    },
  };
}

/** A reply the transaction must produce for the write to count as verified. */
export interface ReplyCheck {
  index: number;
  expect: unknown;
  what: string;
}

/**
 * Queues the commands of `write` on a MULTI (or a pipeline) and returns how many it queued
 * plus the replies to check. `offset` is the number of commands already queued before it.
 */
export function queueKeyWrite(
  tx: RedisPipeline,
  write: KeyWrite,
  offset: number,
  batchSize = DEFAULT_PUSH_BATCH,
): { queued: number; checks: ReplyCheck[] } {
  const checks: ReplyCheck[] = [];
  let queued = 0;
  const expire = (ttlMs: number) => {
    if (ttlMs > 0) {
      tx.pexpire(write.key, ttlMs);
      checks.push({ index: offset + queued++, expect: 1, what: `PEXPIRE ${write.key}` });
    }
  };
  switch (write.op) {
    case 'delete':
      tx.del(write.key);
      queued++;
      break;
    case 'list':
      tx.del(write.key);
      queued++;
      for (let start = 0; start < write.entries.length; start += batchSize) {
        tx.rpush(write.key, ...write.entries.slice(start, start + batchSize));
        queued++;
      }
      // RPUSH answers the list's length: the last one must equal the number of entries.
      if (write.entries.length > 0) {
        checks.push({ index: offset + queued - 1, expect: write.entries.length, what: `RPUSH ${write.key}` });
        expire(write.ttlMs);
      }
      break;
    case 'string':
      if (write.ttlMs > 0) tx.set(write.key, write.value, 'PX', write.ttlMs);
      else tx.set(write.key, write.value);
      checks.push({ index: offset + queued++, expect: 'OK', what: `SET ${write.key}` });
      break;
    case 'restore-dump':
      tx.restore(write.key, write.ttlMs > 0 ? write.ttlMs : 0, write.payload, 'REPLACE');
      checks.push({ index: offset + queued++, expect: 'OK', what: `RESTORE ${write.key}` });
      break;
    case 'expire':
      expire(write.ttlMs);
      break;
  }
  return { queued, checks };
}

/**
 * The snapshot a key should match after `write` (for verification by reading back; compare
 * with `sameContent`, which ignores the TTL), or null for a TTL-only write.
 */
export function expectedContent(write: KeyWrite): KeySnapshot | null {
  const absent: KeySnapshot = { key: write.key, type: 'none', ttlMs: -2, form: 'absent' };
  switch (write.op) {
    case 'delete':
      return absent;
    case 'list':
      return write.entries.length === 0 ? absent : { key: write.key, type: 'list', ttlMs: write.ttlMs, form: 'list', entries: [...write.entries] };
    case 'string':
      return { key: write.key, type: 'string', ttlMs: write.ttlMs, form: 'string', value: write.value };
    case 'restore-dump':
      return { key: write.key, type: write.type, ttlMs: write.ttlMs, form: 'dump', payload: write.payload };
    case 'expire':
      return null;
  }
}

/** True when the write changes content (and so needs a quarantined pre-image). */
export function changesContent(write: KeyWrite): boolean {
  return write.op !== 'expire';
}
