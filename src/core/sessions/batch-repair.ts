/**
 * Repairs of many sessions at the speed of pipelines (the fleet path of `fix`), with the same
 * decisions and the same quarantine records as the one-session path:
 *
 * 1. `planRepairBatch` (and `planRecoveryBatch` for scenario 1, without PTTLs): one pipeline
 *    reads every key the sessions' repairs depend on (LRANGE or GET per key, PTTL where a
 *    decision needs it); each repair's own operation (repair-operations.ts) decides on those
 *    snapshots, exactly as the executor would; a plan keeps its list writes packed
 *    (`batchDecision`), not its parsed turns;
 * 2. `applyRepairBatch`: one pipeline of `applySessionRepair-7.lua` calls, one per repair,
 *    each encoded in one Buffer (encoded-command.ts): each re-checks the plan's fingerprints,
 *    writes the quarantine record and the repair, atomically (see the script's header for why
 *    a script and not a pipelined MULTI/EXEC), then reads the session back, and its reply is
 *    compared with what the repair meant to write (`checkReadBack`);
 * 3. `verifyRepairBatch`: the same read-back as a separate, read-only pipeline, for a caller
 *    that checks written repairs later.
 *
 * A standalone Redis, or a cluster with hash tags when the caller groups sessions per node;
 * without hash tags a session's keys live in different slots and the one-session path
 * (key by key) is the only safe one.
 */
import type { Pipeline, Redis } from 'ioredis';
import { QUARANTINE_TTL_SECONDS, quarantineKey, sessionKeys, type KeyLayout, type SessionKeys } from '../keys.js';
import { EncodedRedisCall } from '../encoded-command.js';
import { loadLuaScript } from '../lua-scripts.js';
import { buildQuarantineRecord, preImagesCopyableByScript, quarantineRecordHead } from '../quarantine.js';
import { PTTL_MISSING, PTTL_NOT_READ, redisErrorCode } from '../redis-types.js';
import type { SessionId } from '../session-id.js';
import { CoreError } from '../errors.js';
import { combineFingerprints, keyFingerprint, packEntries, sessionFingerprint, sha1 } from './fingerprint.js';
import { readKeySnapshot, type KeySnapshot } from './key-snapshot.js';
import { expectedContent, packedListWrite, type KeyWrite } from './key-write.js';
import { repairOperation, type SessionRepair } from './repair-operations.js';
import type { WriteDecision } from './types.js';

/** Keys in the order the script takes them (KEYS[2..7]). */
const SCRIPT_KINDS = ['turns', 'backup', 'state', 'routes', 'pin', 'lock'] as const;

export interface BatchRepairOptions {
  layout: KeyLayout;
  /** Session expiry set by the repairs, seconds (default the contract's 1800). */
  ttlSeconds: number;
  /** Clock for quarantine key names. */
  now: () => number;
}

/** One repair of one session, planned from the batch read. */
export type BatchRepairPlan = {
  sessionId: SessionId;
  repair: SessionRepair;
} & (
  | {
      status: 'planned';
      readKeys: string[];
      snapshots: Map<string, KeySnapshot>;
      decision: WriteDecision;
      /** Fingerprint of all read keys (the one-session path's precondition). */
      fingerprint: string;
    }
  /** The repair does not apply: its refusal (CoreError PRECONDITION_FAILED, LOCK_HELD...). */
  | { status: 'refused'; error: CoreError }
  /** A key holds a type the pipeline cannot snapshot (hash, set...): use the one-session path. */
  | { status: 'unsupported'; reason: string }
);

export type Reply = [Error | null, unknown];

/** The type a session key is written with (`turns` and `routes` are lists, the others strings). */
function expectedType(key: string): 'list' | 'string' {
  return key.endsWith(':turns') || key.endsWith(':routes') ? 'list' : 'string';
}

/**
 * Reads keys in one pipeline: PTTL and the read of the type the key is written with (LRANGE
 * for a list, GET for a string; only the PTTL, into `ttlOnly`, for keys `contentOf` excludes). No TYPE is needed: an empty LRANGE or a null GET with PTTL
 * -2 is an absent key (a list is never empty), and a key of another type answers WRONGTYPE.
 * Such a key (rare: a repair's target), or one that changed between the two commands, is
 * read again on its own with `readKeySnapshot`; null when it cannot be held here (DUMP form).
 * `withTtl: false` skips the PTTLs (snapshots then say {@link PTTL_NOT_READ}): half the
 * commands, for a planning read whose decisions do not depend on TTLs.
 */
export async function readKeys(
  redis: Redis,
  keys: readonly string[],
  opts: { contentOf?: (key: string) => boolean; ttlOnly?: Map<string, number>; withTtl?: boolean } = {},
): Promise<Map<string, KeySnapshot | null>> {
  const ttlOnly = opts.ttlOnly ?? new Map<string, number>();
  const withTtl = opts.withTtl ?? true;
  const pipe = redis.pipeline();
  const withContent = keys.map((key) => opts.contentOf?.(key) ?? true);
  keys.forEach((key, i) => {
    if (withTtl || !withContent[i]) pipe.pttl(key);
    if (!withContent[i]) return;
    if (expectedType(key) === 'list') pipe.lrangeBuffer(key, 0, -1);
    else pipe.getBuffer(key);
  });
  const replies = ((await pipe.exec()) ?? []) as Reply[];
  const out = new Map<string, KeySnapshot | null>();
  const odd: string[] = [];
  let at = 0;
  const notRead: Reply = [null, PTTL_NOT_READ];
  keys.forEach((key, i) => {
    const ttlReply = withTtl || !withContent[i] ? replies[at++] : notRead;
    const valueReply = withContent[i] ? replies[at++] : undefined;
    if (!ttlReply || (withContent[i] && !valueReply)) throw new Error('bug: fewer pipeline replies than reads');
    if (ttlReply[0]) throw ttlReply[0];
    const ttlMs = Number(ttlReply[1]);
    if (!valueReply) {
      // TTL only: the caller knows the content (it checked it atomically before its write).
      ttlOnly.set(key, ttlMs);
      return;
    }
    if (valueReply[0] && redisErrorCode(valueReply[0]) !== 'WRONGTYPE') throw valueReply[0];
    const value = valueReply[0] ? undefined : valueReply[1];
    if (Array.isArray(value) && value.length > 0) out.set(key, { key, type: 'list', ttlMs, form: 'list', entries: value as Buffer[] });
    else if (Buffer.isBuffer(value)) out.set(key, { key, type: 'string', ttlMs, form: 'string', value });
    else if ((ttlMs === PTTL_MISSING || ttlMs === PTTL_NOT_READ) && (value === null || (Array.isArray(value) && value.length === 0))) out.set(key, { key, type: 'none', ttlMs: PTTL_MISSING, form: 'absent' });
    else odd.push(key);
  });
  for (const key of odd) {
    const s = await readKeySnapshot(redis, key, { chunkSize: 1000 });
    out.set(key, s.form === 'dump' ? null : s);
  }
  return out;
}

/**
 * A decision as a batch plan keeps it until its chunk is applied: without the turns it would
 * hand back to `load` (a batch never hands them back), and with each list write packed as
 * the script takes it (one Buffer, rather than a string or a Buffer per entry). What a plan
 * holds in the meantime is what the garbage collector copies, again and again.
 */
export function batchDecision(decision: WriteDecision): WriteDecision {
  if (decision.kind !== 'apply') return decision;
  const { turns: _turns, ...rest } = decision;
  return {
    ...rest,
    writes: decision.writes.map((w) => {
      if (w.op !== 'list' || w.packed) return w;
      const write = packedListWrite(w.key, packedList(w), w.ttlMs);
      listWriteFingerprints.set(write, listWriteFingerprints.get(w)!);
      return write;
    }),
  };
}

/**
 * Reads, in one pipeline, the keys each repair depends on and plans it with the repair's own
 * operation. Repairs of one session touching distinct keys (pin-agent, then clear-routing)
 * are planned on the same read. Writes nothing.
 */
export async function planRepairBatch(redis: Redis, items: readonly { sessionId: SessionId; repair: SessionRepair }[], opts: BatchRepairOptions): Promise<BatchRepairPlan[]> {
  const ttlMs = opts.ttlSeconds * 1000;
  const ops = items.map((item) => repairOperation(sessionKeys(opts.layout, item.sessionId), item.repair, ttlMs));
  const snapshots = await readKeys(redis, [...new Set(ops.flatMap((op) => op.readKeys))]);
  return items.map((item, i): BatchRepairPlan => {
    const op = ops[i]!;
    const mine = new Map<string, KeySnapshot>();
    for (const key of op.readKeys) {
      const s = snapshots.get(key);
      if (!s) return { ...item, status: 'unsupported', reason: `${key} is of a type the batch read does not snapshot` };
      mine.set(key, s);
    }
    try {
      const decision = op.decide(mine);
      return { ...item, status: 'planned', readKeys: [...op.readKeys], snapshots: mine, decision: batchDecision(decision), fingerprint: sessionFingerprint(mine, op.readKeys) };
    } catch (err) {
      if (err instanceof CoreError) return { ...item, status: 'refused', error: err };
      throw err;
    }
  });
}

/** What {@link applyRepairBatch} did with one planned repair. */
export type BatchApplyOutcome =
  /** Written, and read back by the same script call: `verification` compares it with the plan. */
  | { status: 'applied'; quarantineKey: string; verification: BatchVerification }
  /** Nothing to write (the decision was a no-op): already repaired. */
  | { status: 'noop' }
  /** The session changed since the plan: nothing written; plan it again. */
  | { status: 'changed'; key: string }
  | { status: 'unsupported'; key: string }
  | { status: 'error'; error: Error };

const QUARANTINE_TTL_MS = String(QUARANTINE_TTL_SECONDS * 1000);

/**
 * The quarantine record as the script takes it. Usually only its head: the script copies the
 * pre-images from the bytes it checks against the plan's fingerprints (the same bytes the
 * plan read, or it writes nothing), so the session's data does not travel back to Redis. Bytes
 * that are not UTF-8 need base64, which the client encodes: the whole record is sent then.
 */
function preImagesOf(plan: Extract<BatchRepairPlan, { status: 'planned' }>): KeySnapshot[] {
  if (plan.decision.kind !== 'apply') throw new Error('bug: a record for a no-op');
  return plan.decision.writes.map((w) => {
    const s = plan.snapshots.get(w.key);
    // An operation may only write keys it read: their pre-image is what makes undo possible.
    if (!s) throw new Error(`bug: write to ${w.key}, which the repair did not read`);
    return s;
  });
}

function scriptRecord(plan: Extract<BatchRepairPlan, { status: 'planned' }>, at: number): { text: string; form: 'full' | 'head' } {
  if (plan.decision.kind !== 'apply') throw new Error('bug: a record for a no-op');
  const decision = plan.decision;
  const preImages = preImagesOf(plan);
  const head = { sessionId: plan.sessionId, at, action: plan.repair.action, reason: decision.reason, ...(decision.details ? { details: decision.details } : {}) };
  if (preImagesCopyableByScript(preImages)) return { text: JSON.stringify(quarantineRecordHead(head)), form: 'head' };
  if (preImages.some((p) => p.ttlMs === PTTL_NOT_READ)) throw new Error('bug: a client-built record without the TTLs');
  return { text: JSON.stringify(buildQuarantineRecord({ ...head, snapshots: preImages })), form: 'full' };
}

/**
 * Pre-images the client encodes itself (bytes that are not UTF-8: rare) need their TTLs,
 * which a planning read without PTTL did not fetch: one pipeline reads them, into the plans'
 * snapshots. The script still checks the bytes against the plan's fingerprints (a TTL is not
 * part of them), so a session that changed in between is refused as before.
 */
async function fillClientRecordTtls(redis: Redis, plans: readonly BatchRepairPlan[]): Promise<void> {
  const missing: Array<{ plan: Extract<BatchRepairPlan, { status: 'planned' }>; snapshot: KeySnapshot }> = [];
  for (const plan of plans) {
    if (plan.status !== 'planned' || plan.decision.kind !== 'apply') continue;
    const preImages = preImagesOf(plan);
    if (preImagesCopyableByScript(preImages)) continue;
    for (const snapshot of preImages) if (snapshot.ttlMs === PTTL_NOT_READ) missing.push({ plan, snapshot });
  }
  if (missing.length === 0) return;
  const replies = ((await missing.reduce((pipe, m) => pipe.pttl(m.snapshot.key), redis.pipeline()).exec()) ?? []) as Reply[];
  missing.forEach(({ plan, snapshot }, i) => {
    const [err, ttl] = replies[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    plan.snapshots.set(snapshot.key, { ...snapshot, ttlMs: Number(ttl) });
  });
}

const OPS: Record<KeyWrite['op'], string> = { delete: 'del', list: 'list', string: 'string', expire: 'expire', 'restore-dump': '' };

function scriptArgs(keys: SessionKeys, plan: Extract<BatchRepairPlan, { status: 'planned' }>, record: { text: string; form: 'full' | 'head' }): (string | Buffer)[] {
  if (plan.decision.kind !== 'apply') throw new Error('bug: scriptArgs of a no-op');
  const index = (key: string) => {
    const i = SCRIPT_KINDS.findIndex((kind) => keys[kind] === key);
    if (i < 0) throw new Error(`bug: ${key} is not a session key`);
    return String(i + 2);
  };
  const expected = SCRIPT_KINDS.map((kind) => {
    const s = plan.snapshots.get(keys[kind]);
    return s ? keyFingerprint(s) : '';
  });
  const args: (string | Buffer)[] = [record.text, record.form, QUARANTINE_TTL_MS, ...expected, String(plan.decision.writes.length)];
  for (const w of plan.decision.writes) {
    if (w.op === 'restore-dump') throw new Error('bug: the batch path does not restore DUMP payloads');
    const values = w.op === 'list' ? [packedList(w)] : w.op === 'string' ? [w.value] : [];
    const ttl = w.op === 'delete' ? 0 : w.ttlMs;
    args.push(OPS[w.op], index(w.key), String(ttl), String(values.length), ...values);
  }
  return args;
}

/** Fingerprints of list writes, computed from their packed form when it was made. */
const listWriteFingerprints = new WeakMap<KeyWrite, string>();

/**
 * A list write's entries as the script takes them: `<byte length>:<entry>` concatenated, which
 * is also what the list's fingerprint hashes, so the read-back's expected fingerprint comes
 * with it. Encoded from the text when the operation gave text (one short string to encode,
 * not a Buffer per entry), else joined from the bytes. Always bytes: a pipeline of commands
 * that are all strings is written as one long string, whose UTF-8 encoding costs more than
 * copying Buffers.
 */
function packedList(w: Extract<KeyWrite, { op: 'list' }>): Buffer {
  const packed = w.packed ?? packEntries(w.text ?? w.entries);
  if (!listWriteFingerprints.has(w)) listWriteFingerprints.set(w, packed.length === 0 ? 'none' : `list:${sha1(packed)}`);
  return packed;
}

/**
 * Connections the repair script was loaded on. Loaded once per connection, not per batch: a
 * SCRIPT LOAD before each batch queued behind the previous batch's scripts, and held this
 * batch back until they had all run. A server that lost its cache (a restart) answers
 * NOSCRIPT, and the batch loads it again and resends.
 */
const scriptLoadedOn = new WeakSet<Redis>();

/** The quarantine keys picked for an apply round, announced before anything is sent. */
export type BeforeApply = (assigned: ReadonlyArray<{ plan: BatchRepairPlan; quarantineKey: string }>) => Promise<void> | void;

/**
 * Applies planned repairs in one pipeline of script calls (plus a retry round for the rare
 * quarantine key taken in the same millisecond). `beforeApply` is told which quarantine key
 * each repair will write before it is sent, so an audit log can record the pre-image
 * reference first. Results are in the order of `plans`.
 */
export async function applyRepairBatch(redis: Redis, plans: readonly BatchRepairPlan[], opts: BatchRepairOptions & { beforeApply?: BeforeApply }): Promise<BatchApplyOutcome[]> {
  const script = loadLuaScript('applySessionRepair-7');
  const out: (BatchApplyOutcome | undefined)[] = plans.map((p) =>
    p.status === 'planned' && p.decision.kind === 'noop' ? { status: 'noop' } : p.status !== 'planned' ? { status: 'error', error: new Error(`bug: ${p.status} plan passed to apply`) } : undefined,
  );
  let pending = plans.map((p, i) => ({ plan: p, i })).filter(({ i }) => out[i] === undefined);
  await fillClientRecordTtls(redis, pending.map(({ plan }) => plan));
  const base = opts.now();
  for (let round = 0; pending.length > 0; round++) {
    if (round > 20) {
      for (const { i } of pending) out[i] = { status: 'error', error: new CoreError('PRECONDITION_FAILED', 'no free quarantine key after 20 rounds') };
      break;
    }
    // Repairs of one session get distinct milliseconds; a retry moves past every earlier pick.
    const seen = new Map<string, number>();
    const assigned = pending.map(({ plan, i }) => {
      const n = seen.get(plan.sessionId) ?? 0;
      seen.set(plan.sessionId, n + 1);
      const at = base + round * plans.length + n;
      return { plan, i, at, quarantineKey: quarantineKey(opts.layout, plan.sessionId, at) };
    });
    await opts.beforeApply?.(assigned.map(({ plan, quarantineKey: q }) => ({ plan, quarantineKey: q })));
    if (!scriptLoadedOn.has(redis)) {
      await redis.script('LOAD', script.source);
      scriptLoadedOn.add(redis);
    }
    const pipe = redis.pipeline() as unknown as Pipeline;
    for (const a of assigned) {
      const plan = a.plan as Extract<BatchRepairPlan, { status: 'planned' }>;
      const keys = sessionKeys(opts.layout, plan.sessionId);
      // Encoded here, not by ioredis (see encoded-command.ts): KEYS in SCRIPT_KINDS order.
      pipe.sendCommand(new EncodedRedisCall('evalsha', [script.sha, '7', a.quarantineKey, ...SCRIPT_KINDS.map((k) => keys[k]), ...scriptArgs(keys, plan, scriptRecord(plan, a.at))]));
    }
    const replies = ((await pipe.exec()) ?? []) as Reply[];
    const retry: typeof pending = [];
    assigned.forEach((a, j) => {
      const [err, value] = replies[j] ?? [new Error('no reply'), null];
      if (err) {
        // After a restart the script cache is empty: load it again and resend.
        if (redisErrorCode(err) === 'NOSCRIPT') {
          scriptLoadedOn.delete(redis);
          retry.push({ plan: a.plan, i: a.i });
        } else out[a.i] = { status: 'error', error: err };
        return;
      }
      if (Array.isArray(value) && value[0] === 'APPLIED') {
        out[a.i] = { status: 'applied', quarantineKey: a.quarantineKey, verification: checkReadBack(a.plan, value as Array<string | number>, 1, opts.layout) };
      } else if (value === 'QKEY_TAKEN') retry.push({ plan: a.plan, i: a.i });
      else if (Array.isArray(value)) {
        const keyIndex = Number(value[1]);
        const keys = sessionKeys(opts.layout, a.plan.sessionId);
        const key = keys[SCRIPT_KINDS[keyIndex - 2] ?? 'turns'];
        out[a.i] = value[0] === 'CHANGED' ? { status: 'changed', key } : { status: 'unsupported', key };
      } else out[a.i] = { status: 'error', error: new Error(`unexpected script reply ${JSON.stringify(value)}`) };
    });
    pending = retry;
  }
  return out.map((o) => o ?? { status: 'error', error: new Error('bug: repair without an outcome') });
}

/** What the read-back found for one applied repair. */
export interface BatchVerification {
  /** Every written key holds what the repair meant to write, with an expiry where one was set. */
  ok: boolean;
  /** Keys that do not, when not ok. */
  mismatched: string[];
  /**
   * Fingerprint of the turns key and the written keys as read back, in that order: what
   * `restoreFromQuarantine({expectFingerprint})` compares an undo against.
   */
  afterFingerprint: string;
}

/**
 * Reads back, in one pipeline, every key the applied repairs wrote and compares it with the
 * content the core decided to write (and checks a TTL is set where the write set one). The
 * decided content is what makes the session load from its primary (the recovery operations
 * write only valid turns), so finding exactly it in place is the verification. Redis does the
 * reading: one read-only call of the repair script per session returns each written key's
 * fingerprint (type and bytes, as fingerprint.ts computes it) and TTL, so the bytes are
 * compared by their SHA-1 without travelling back; a key refreshed by a TTL-only write has
 * only its TTL read (its content was checked atomically with the write).
 */
export async function verifyRepairBatch(redis: Redis, plans: readonly BatchRepairPlan[], opts: Pick<BatchRepairOptions, 'layout'>): Promise<BatchVerification[]> {
  const script = loadLuaScript('applySessionRepair-7');
  const writesOf = (p: BatchRepairPlan) => (p.status === 'planned' && p.decision.kind === 'apply' ? p.decision.writes : []);
  const send = async (batch: readonly BatchRepairPlan[]): Promise<Reply[]> => {
    const pipe = redis.pipeline();
    for (const p of batch) {
      const keys = sessionKeys(opts.layout, p.sessionId);
      const want = new Map<string, string>([[keys.turns, 'fp']]);
      for (const w of writesOf(p)) want.set(w.key, w.op === 'expire' ? 'ttl' : 'fp');
      // KEYS[1] is not used by the read-back: the turns key stands in (same slot with hash tags).
      pipe.evalsha(script.sha, 7, keys.turns, ...SCRIPT_KINDS.map((k) => keys[k]), '', 'verify', '', ...SCRIPT_KINDS.map((k) => want.get(keys[k]) ?? ''), '0');
    }
    return ((await pipe.exec()) ?? []) as Reply[];
  };
  let replies = await send(plans);
  if (replies.some(([err]) => err && redisErrorCode(err) === 'NOSCRIPT')) {
    // The server lost its script cache (a restart): load it and read again.
    await redis.script('LOAD', script.source);
    replies = await send(plans);
  }
  return plans.map((p, i) => {
    const [err, value] = replies[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    return checkReadBack(p, value as Array<string | number>, 0, opts.layout);
  });
}

/**
 * Compares a read-back row (per key KEYS[2..7] its fingerprint and PTTL, from `offset`; the
 * script's 'verify' reply, or the tail of its 'APPLIED' reply) with the content the core
 * decided to write, and checks a TTL is set where the write set one.
 */
function checkReadBack(p: BatchRepairPlan, row: ReadonlyArray<string | number>, offset: number, layout: KeyLayout): BatchVerification {
  const writes = p.status === 'planned' && p.decision.kind === 'apply' ? p.decision.writes : [];
  const keys = sessionKeys(layout, p.sessionId);
  const at = (key: string) => offset + SCRIPT_KINDS.findIndex((k) => keys[k] === key) * 2;
  const fpOf = new Map<string, string>();
  const mismatched: string[] = [];
  // '=' from the apply call: the list holds exactly the entries of the last list write to it,
  // whose fingerprint is its packed value's.
  const packedFpOf = new Map<string, string>();
  for (const w of writes) {
    const packedFp = listWriteFingerprints.get(w);
    if (packedFp !== undefined) packedFpOf.set(w.key, packedFp);
    else if (w.op !== 'expire') packedFpOf.delete(w.key);
  }
  const readFp = (key: string) => {
    const value = String(row[at(key)]);
    return value === '=' ? (packedFpOf.get(key) ?? value) : value;
  };
  for (const w of writes) {
    const j = at(w.key);
    const ttl = Number(row[j + 1]);
    const packedFp = listWriteFingerprints.get(w);
    const expected = packedFp ? null : (expectedContent(w) ?? (p.status === 'planned' ? p.snapshots.get(w.key) : undefined));
    if (!packedFp && !expected) {
      mismatched.push(w.key);
      continue;
    }
    const fp = packedFp ?? keyFingerprint(expected!);
    fpOf.set(w.key, fp);
    if (w.op === 'expire') {
      if (w.ttlMs > 0 && ttl <= 0) mismatched.push(w.key);
    } else if (readFp(w.key) !== fp) mismatched.push(w.key);
    else if ('ttlMs' in w && w.ttlMs > 0 && fp !== 'none' && ttl <= 0) mismatched.push(w.key);
  }
  const refreshed = new Set(writes.filter((w) => w.op === 'expire').map((w) => w.key));
  const undoKeys = [...new Set([keys.turns, ...writes.map((w) => w.key)])];
  // As read back (a refreshed key: its content as checked by the script): what an undo compares the session with.
  const afterFingerprint = combineFingerprints(undoKeys.map((key) => [key, refreshed.has(key) ? (fpOf.get(key) ?? '') : readFp(key)]));
  return { ok: mismatched.length === 0, mismatched, afterFingerprint };
}
