import type { Redis } from 'ioredis';
import type { KeyLayout } from '../core/keys.js';
import type { SessionId } from '../core/session-id.js';
import { DEFAULT_SCAN_MAX_ENTRIES } from '../core/sessions/index.js';
import { isClusterClient } from '../core/redis-types.js';
import { classifyRedisError } from '../sources/redis-errors.js';
import type { RedisClient } from '../sources/redis.js';
import { classifyKeyBatch, type BatchContext } from './key-batch.js';
import { sessionMatchPattern } from './match.js';
import { nodeRouter } from './node-router.js';
import { ClassTally, type NodeReport, type RedisFleetReport, type ScanProgress } from './redis-report.js';

export interface RedisFleetScanOptions {
  layout: KeyLayout;
  /** Only sessions whose id starts with this (already validated: see `parseIdPrefix`). */
  idPrefix?: SessionId;
  /** Stop after judging this many sessions (by their data). */
  limit?: number;
  /** SCAN COUNT per call, per master. Default 1000. */
  scanCount?: number;
  /** Keys per pipeline. Default 500. */
  pipelineSize?: number;
  /** Entries read per turns list. Default the core's scan cap (2,000). */
  maxEntries?: number;
  /** Session ids kept per class as a sample. Default 5. */
  samplesPerClass?: number;
  /** Called after every batch; must not throw. */
  onProgress?: (progress: ScanProgress) => void;
}

type ScanReply = [cursor: string, keys: string[]];

/** SCAN replies being judged at once per master: enough to keep our CPU busy while replies travel. */
const BATCHES_IN_FLIGHT = 2;

/**
 * Scans one master to the end. SCAN is sequential (each call needs the previous cursor), but
 * the judging of its replies is not: a reply's pipelines are sent as soon as it arrives, and
 * up to {@link BATCHES_IN_FLIGHT} replies are being judged while the next SCAN is answered,
 * so the node never waits for our CPU and our CPU rarely waits for the node. Memory: that
 * many SCAN replies and their pipelines, whatever the size of the keyspace.
 */
async function scanMaster(node: Redis, pattern: string, scanCount: number, pipelineSize: number, ctx: BatchContext, report: NodeReport, stop: () => boolean, progress: () => void): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  let cursor = '0';
  do {
    const [next, keys] = (await node.scan(cursor, 'MATCH', pattern, 'COUNT', scanCount)) as ScanReply;
    cursor = next;
    const groups: string[][] = [];
    for (let i = 0; i < keys.length; i += pipelineSize) groups.push(keys.slice(i, i + pipelineSize));
    const judged: Promise<void> = Promise.all(groups.map((group) => classifyKeyBatch(node, group, ctx))).then(
      () => {
        report.keysScanned += keys.length;
        progress();
      },
      (error: unknown) => void (failure ??= { error }),
    );
    inFlight.add(judged);
    void judged.finally(() => inFlight.delete(judged));
    while (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) break;
  } while (cursor !== '0' && !stop());
  await Promise.all(inFlight);
  if (failure) throw (failure as { error: unknown }).error;
}

/**
 * `scan redis`: every session of the fleet judged, on every master in parallel, with counts
 * per class and a few sample ids each. Reads only (SCAN, LRANGE, EXISTS, GET, TYPE, PTTL,
 * LLEN, DBSIZE). A master that fails is reported `unavailable` with its classified error and
 * the others are still scanned; the report is then `complete: false`.
 */
export async function scanRedisFleet(client: RedisClient, opts: RedisFleetScanOptions): Promise<RedisFleetReport> {
  const started = performance.now();
  const router = nodeRouter(client);
  const pattern = sessionMatchPattern(opts.layout, opts.idPrefix);
  const tally = new ClassTally(opts.samplesPerClass ?? 5);
  const counters = { sessions: 0, partiallyExamined: 0, locksOfWrongType: 0, foreignKeys: 0, unjudged: 0 };
  let taken = 0;
  let stoppedAtLimit = false;
  const limit = opts.limit ?? Infinity;
  const ctx: BatchContext = {
    router,
    layout: opts.layout,
    maxEntries: opts.maxEntries ?? DEFAULT_SCAN_MAX_ENTRIES,
    tally,
    counters,
    takeSession() {
      if (taken >= limit) {
        stoppedAtLimit = true;
        return false;
      }
      taken++;
      return true;
    },
  };
  const nodes: NodeReport[] = router.masters.map((m) => ({ node: router.labelOf(m), status: 'ok', keysScanned: 0 }));
  const lost: NodeReport[] = router.unreachable.map((node) => ({
    node,
    status: 'unavailable',
    keysScanned: 0,
    error: { code: 'REDIS_UNAVAILABLE', message: `Redis ${node}: the cluster's slot map names it but it is not connected`, hint: 'check the node (failover in progress?) and rerun' },
  }));
  // DBSIZE is O(1): the progress bar's denominator (exact only without --match).
  const sizes = await Promise.all(router.masters.map((m) => m.dbsize().catch(() => null)));
  const keysTotal = opts.idPrefix === undefined && sizes.every((s) => s !== null) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
  let nodesDone = 0;
  const progress = () =>
    opts.onProgress?.({ keysScanned: nodes.reduce((s, n) => s + n.keysScanned, 0), keysTotal, sessions: counters.sessions, nodesDone, nodes: nodes.length });

  await Promise.all(
    router.masters.map(async (node, i) => {
      const report = nodes[i]!;
      try {
        await scanMaster(node, pattern, opts.scanCount ?? 1000, opts.pipelineSize ?? 500, ctx, report, () => stoppedAtLimit, progress);
      } catch (err) {
        const e = classifyRedisError(err, { target: report.node, status: node.status });
        // An unclassified error while every master's connection is ready is a bug of ours: let
        // it reach the CLI as one (exit 1). With a connection gone (ioredis' "Connection is
        // closed." carries no code; a batch may route a key to the lost master), it is a node
        // being unavailable.
        if (e.kind === 'unknown' && router.masters.every((m) => m.status === 'ready')) throw err;
        report.status = 'unavailable';
        report.error = { code: e.errorCode, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
      }
      nodesDone++;
      progress();
    }),
  );

  const allNodes = [...nodes, ...lost];
  const unavailable = allNodes.some((n) => n.status === 'unavailable') || counters.unjudged > 0;
  return {
    mode: isClusterClient(client) ? 'cluster' : 'single',
    layout: { prefix: opts.layout.prefix, hashTags: opts.layout.hashTags },
    pattern,
    complete: !stoppedAtLimit && !unavailable,
    stoppedAtLimit,
    nodes: allNodes,
    keysScanned: nodes.reduce((s, n) => s + n.keysScanned, 0),
    sessions: counters.sessions,
    classes: tally.classes,
    statuses: tally.statuses,
    partiallyExamined: counters.partiallyExamined,
    locksOfWrongType: counters.locksOfWrongType,
    foreignKeys: counters.foreignKeys,
    unjudged: counters.unjudged,
    problems: tally.problems() + counters.locksOfWrongType,
    durationMs: Math.round(performance.now() - started),
  };
}
