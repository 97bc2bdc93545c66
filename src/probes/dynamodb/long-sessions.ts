import { itemSizeBytes, MAX_ITEM_BYTES, SAFE_ITEM_BYTES } from '../../core/size/index.js';
import { profileContext } from '../../sources/aws-config.js';
import { callAws } from '../../sources/timeout.js';
import { affectedOf, answered, plural, type ProbeDefinition, type Question, type QuestionEnv } from '../types.js';

/** The flowchart's thresholds: "turn_count > 100 or active_duration > 1h". */
export const LONG_SESSION_TURNS = 100;
export const LONG_SESSION_ACTIVE_MS = 3_600_000;
const SEGMENTS = 4;
/** Full items fetched at once to be measured. */
const GETS_IN_FLIGHT = 8;

export interface LongSession {
  sessionId: string;
  turnCount: number;
  activeMs: number;
  /** Exact size by DynamoDB's rules (src/core/size), when the item was measured. */
  sizeBytes?: number;
  compacted: boolean;
  overflowKey?: string;
}

export interface LongSessionScan {
  sessions: LongSession[];
  itemsScanned: number;
  /** False when the scan stopped at `limits.maxDynamoItems`. */
  complete: boolean;
  /** Candidates beyond `limits.maxSizedItems` are listed but not measured. */
  measured: number;
}

/** Epoch ms, whether the item holds seconds (the seed's Python) or milliseconds. */
function epochMs(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n < 1e11 ? n * 1000 : n;
}

/**
 * Scenario 4's "Query affected sessions". Phase one is a parallel Scan of `manga_sessions`
 * that projects only the counters and times and lets DynamoDB drop every short session
 * (`turn_count > 100 OR created_at < end - 1 h`), so big `turns` lists never cross the wire;
 * phase two fetches the candidates' full items to measure their exact size the way DynamoDB
 * does (never dynalite's UTF-16 count, never JSON length).
 */
export const longSessionScan: Question<LongSessionScan> = {
  key: 'dynamodb.long_sessions',
  source: 'dynamodb',
  describe: (env) =>
    `Scan ${env.config.names.sessionsTable} FilterExpression="turn_count > ${LONG_SESSION_TURNS} OR created_at < :end-1h", then GetItem per candidate to measure its size`,
  async run(env: QuestionEnv) {
    const dynamo = await env.sources.dynamodb();
    const doc = await dynamo.documentClient();
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const table = env.config.names.sessionsTable;
    const ctx = { ...profileContext(env.config, `Scan ${table}`), signal: env.signal };
    const found: LongSession[] = [];
    let scanned = 0;
    let complete = true;
    await Promise.all(
      Array.from({ length: SEGMENTS }, async (_, segment) => {
        let start: Record<string, unknown> | undefined;
        do {
          if (scanned >= env.limits.maxDynamoItems) {
            complete = false;
            return;
          }
          const page = await callAws(
            'dynamodb',
            env.config.timeoutMs,
            (abortSignal) =>
              doc.send(
                new ScanCommand({
                  TableName: table,
                  Segment: segment,
                  TotalSegments: SEGMENTS,
                  ProjectionExpression: '#id, #tc, #ca, #ua, #cc, #ok',
                  FilterExpression: '#tc > :turns OR #ca < :cutoff',
                  ExpressionAttributeNames: { '#id': 'session_id', '#tc': 'turn_count', '#ca': 'created_at', '#ua': 'updated_at', '#cc': 'compacted_turn_count', '#ok': 's3_overflow_key' },
                  ExpressionAttributeValues: { ':turns': LONG_SESSION_TURNS, ':cutoff': env.window.end - LONG_SESSION_ACTIVE_MS },
                  ...(start ? { ExclusiveStartKey: start } : {}),
                }),
                { abortSignal },
              ),
            ctx,
          );
          scanned += page.ScannedCount ?? 0;
          for (const item of page.Items ?? []) {
            const id = item.session_id;
            if (typeof id !== 'string') continue;
            const turnCount = Number(item.turn_count ?? 0) + Number(item.compacted_turn_count ?? 0);
            const created = epochMs(item.created_at);
            const updated = epochMs(item.updated_at);
            const activeMs = created !== undefined && updated !== undefined ? Math.max(0, updated - created) : 0;
            // The server filter is a superset (it cannot subtract two attributes): decide here.
            if (turnCount <= LONG_SESSION_TURNS && activeMs <= LONG_SESSION_ACTIVE_MS) continue;
            found.push({
              sessionId: id,
              turnCount,
              activeMs,
              compacted: Number(item.compacted_turn_count ?? 0) > 0,
              ...(typeof item.s3_overflow_key === 'string' ? { overflowKey: item.s3_overflow_key } : {}),
            });
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }),
    );
    found.sort((a, b) => b.turnCount - a.turnCount || a.sessionId.localeCompare(b.sessionId));
    const toMeasure = found.slice(0, env.limits.maxSizedItems);
    for (let i = 0; i < toMeasure.length; i += GETS_IN_FLIGHT) {
      await Promise.all(
        toMeasure.slice(i, i + GETS_IN_FLIGHT).map(async (s) => {
          const item = await dynamo.getSession(s.sessionId);
          if (item) s.sizeBytes = itemSizeBytes(item);
        }),
      );
    }
    return { sessions: found, itemsScanned: scanned, complete, measured: toMeasure.length };
  },
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * Scenario 4, node E ("Query affected sessions"): the sessions with more than 100 turns or
 * active for more than an hour, with their exact item size against the 400 KB limit.
 */
export const longSessions: ProbeDefinition = {
  id: 'dynamodb.long_sessions',
  sources: ['dynamodb'],
  namesAffected: true,
  async answer(ctx) {
    const scan = await ctx.ask(longSessionScan);
    const query = ctx.describe(longSessionScan);
    const scope = `${plural(scan.itemsScanned, 'item')} scanned${scan.complete ? '' : ` (stopped at ${ctx.limits.maxDynamoItems})`}`;
    if (scan.sessions.length === 0) {
      return answered('none', [{ source: 'dynamodb', summary: `no session with more than ${LONG_SESSION_TURNS} turns or active over 1 h (${scope})`, query }]);
    }
    const sized = scan.sessions.filter((s) => s.sizeBytes !== undefined);
    const over = sized.filter((s) => (s.sizeBytes ?? 0) > MAX_ITEM_BYTES);
    const near = sized.filter((s) => (s.sizeBytes ?? 0) > SAFE_ITEM_BYTES && (s.sizeBytes ?? 0) <= MAX_ITEM_BYTES);
    const largest = Math.max(0, ...sized.map((s) => s.sizeBytes ?? 0));
    const summary =
      `${plural(scan.sessions.length, 'session')} with more than ${LONG_SESSION_TURNS} turns or active over 1 h: ` +
      `${over.length} over the 400 KB item limit, ${near.length} within 20 KB of it (largest ${kb(largest)}, measured by DynamoDB's rules; ${scope})`;
    const sample = scan.sessions.slice(0, 10).map((s) => ({ ...s, activeMinutes: Math.round(s.activeMs / 60_000) }));
    return answered('found', [{ source: 'dynamodb', summary, data: { overLimit: over.length, nearLimit: near.length, largestBytes: largest, limitBytes: MAX_ITEM_BYTES, measured: scan.measured, sample }, query }], {
      affected: affectedOf(scan.sessions.map((s) => s.sessionId), ctx.limits.maxAffectedIds),
    });
  },
};
