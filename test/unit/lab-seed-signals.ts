/**
 * What a seeded lab shows, computed from a plan's data: the signals of the five scenarios.
 * Shared by the lab-seed unit tests; the integration tests read the same signals back
 * from the services.
 */
import { itemSizeBytes } from '../../src/core/size/item-size.js';
import { SERIES } from '../../src/lab/seed/catalog.js';
import type { SeedPlan } from '../../src/lab/seed/plan.js';
import type { LogRecord, RedisValue } from '../../src/lab/seed/model.js';

export type Signal =
  | 'failover'
  | 'load-failed'
  | 'bad-turns'
  | 'missing-ttl'
  | 'routing-loop'
  | 'tool-timeout'
  | 'save-failed'
  | 'large-items'
  | 'concurrent-requests'
  | 'watch-error'
  | 'slow-turns'
  | 'lock-keys'
  | 'unknown-titles';

/** The signals each variant must show, and nothing else. */
export const EXPECTED_SIGNALS: Record<string, Signal[]> = {
  '1/failover': ['failover', 'load-failed', 'bad-turns', 'missing-ttl'],
  '1/no-event': ['load-failed', 'bad-turns', 'missing-ttl'],
  '1/connection-error': ['load-failed'],
  '1/schema-mismatch': ['load-failed', 'bad-turns'],
  '2/low-confidence': ['routing-loop'],
  '2/fluctuating': ['routing-loop'],
  '2/multi-agent': ['routing-loop'],
  '3/hallucination': ['tool-timeout', 'unknown-titles'],
  '3/returned-error': ['tool-timeout', 'unknown-titles'],
  '4/item-size': ['save-failed', 'large-items'],
  '4/other-validation': ['save-failed'],
  '5/watch-conflicts': ['concurrent-requests', 'watch-error', 'slow-turns', 'lock-keys'],
  '5/no-watch-errors': ['concurrent-requests', 'slow-turns'],
  '5/no-concurrency': ['slow-turns'],
};

/** A stored turns-list entry that is a contract turn. */
export function isTurnEntry(raw: RedisValue): boolean {
  try {
    const text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
    const v = JSON.parse(text) as Record<string, unknown>;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && ['user', 'assistant', 'tool'].includes(v.role as string) && typeof v.content === 'string' && typeof v.ts === 'number';
  } catch {
    return false;
  }
}

export interface TurnTrace {
  session: string;
  turn: string;
  request?: number;
  response?: number;
  routes: { agent: string; confidence: number }[];
}

/** Log events grouped by (session, turn). */
export function turnTraces(logs: readonly LogRecord[]): TurnTrace[] {
  const map = new Map<string, TurnTrace>();
  for (const e of logs) {
    const key = `${e.fields.session_id}/${e.fields.turn_id}`;
    let t = map.get(key);
    if (!t) map.set(key, (t = { session: e.fields.session_id, turn: e.fields.turn_id, routes: [] }));
    if (e.fields.event === 'request') t.request = e.timestamp;
    if (e.fields.event === 'response') t.response = e.timestamp;
    if (e.fields.event === 'route') t.routes.push({ agent: e.fields.agent as string, confidence: e.fields.confidence as number });
  }
  return [...map.values()];
}

/** Request times per session, sorted. */
export function requestsBySession(logs: readonly LogRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of logs) {
    if (e.fields.event !== 'request') continue;
    const list = out.get(e.fields.session_id) ?? [];
    list.push(e.fields.received_at as number);
    out.set(e.fields.session_id, list);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

const CATALOG_TITLES = new Set(SERIES.flatMap((x) => [x.titleJa, x.titleEn]));

/** Signals readable from the log events alone (shared with the integration read-back). */
export function logSignals(logs: readonly LogRecord[]): Set<Signal> {
  const s = new Set<Signal>();
  const names = new Set(logs.map((l) => l.fields.event));
  if (names.has('session_load_failed')) s.add('load-failed');
  if (names.has('session_save_failed')) s.add('save-failed');
  if (names.has('state_write_conflict')) s.add('watch-error');
  if (logs.some((l) => l.fields.event === 'tool_call' && l.fields.status !== 'ok')) s.add('tool-timeout');
  if (logs.some((l) => l.fields.event === 'response' && namedTitles(String(l.fields.text)).some((t) => !CATALOG_TITLES.has(t)))) s.add('unknown-titles');
  for (const t of turnTraces(logs)) {
    if (t.routes.length > 3) s.add('routing-loop');
    if (t.request !== undefined && t.response !== undefined && t.response - t.request > 5000) s.add('slow-turns');
  }
  for (const times of requestsBySession(logs).values()) {
    if (times.some((t, i) => i > 0 && t - (times[i - 1] as number) < 100)) s.add('concurrent-requests');
  }
  return s;
}

export function planSignals(plan: SeedPlan): Set<Signal> {
  const s = logSignals(plan.logs);
  if (plan.failovers.length > 0) s.add('failover');
  for (const img of plan.sessions) {
    for (const k of img.redis) {
      if (k.kind === 'turns' && k.type === 'list' && !k.entries.every(isTurnEntry)) s.add('bad-turns');
      if (k.kind === 'lock') s.add('lock-keys');
      else if (k.ttlMs === null) s.add('missing-ttl');
    }
    if (img.dynamo && itemSizeBytes(img.dynamo as unknown as Record<string, unknown>) > 100 * 1024) s.add('large-items');
  }
  return s;
}

/** Nearest-rank percentile, as CloudWatch computes it from raw values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Titles a reply names: 『...』 in Japanese replies, "..." Vol./"..." in English ones. */
export function namedTitles(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/『([^』]+)』/g)) out.push(m[1] as string);
  for (const m of text.matchAll(/"([^"]+)"/g)) out.push(m[1] as string);
  return out;
}
