import { describe, expect, it } from 'vitest';
import { itemSizeBytes, MAX_ITEM_BYTES } from '../../src/core/size/item-size.js';
import { SERIES } from '../../src/lab/seed/catalog.js';
import { minuteOf } from '../../src/lab/seed/context.js';
import type { LogRecord, RedisKeyImage, SessionImage } from '../../src/lab/seed/model.js';
import { planSeed, type SeedPlan } from '../../src/lab/seed/plan.js';
import type { ScenarioNumber } from '../../src/lab/seed/scenario-types.js';
import { SCENARIOS } from '../../src/lab/seed/scenarios.js';
import { EXPECTED_SIGNALS, isTurnEntry, namedTitles, percentile, planSignals, requestsBySession, turnTraces } from './lab-seed-signals.js';

const NOW = Date.UTC(2025, 10, 28, 3, 0, 17);
const BACKGROUND = 100;

const seeded = (n: ScenarioNumber, variant?: string): SeedPlan =>
  planSeed({ scenarios: [n], sessions: BACKGROUND, now: NOW, ...(variant ? { variants: { [n]: variant } } : {}) });

const scenarioSessions = (p: SeedPlan): SessionImage[] => p.sessions.slice(BACKGROUND);
const key = (s: SessionImage, kind: RedisKeyImage['kind']) => s.redis.find((k) => k.kind === kind);
const events = (p: SeedPlan, name: string): LogRecord[] => p.logs.filter((l) => l.fields.event === name);
const catalogTitles = new Set(SERIES.flatMap((s) => [s.titleJa, s.titleEn]));

/** Full minutes of the incident window (the minute of `now` is partial). */
const incidentMinutes = (p: SeedPlan): number[] => {
  const out: number[] = [];
  for (let m = p.ctx.incidentStart; m + 60_000 <= minuteOf(NOW); m += 60_000) out.push(m);
  return out;
};

describe('each variant shows exactly its signals and nothing of another scenario', () => {
  const cases = Object.entries(SCENARIOS).flatMap(([n, def]) => Object.keys(def.variants).map((v) => [Number(n) as ScenarioNumber, v] as const));
  it.each(cases)('scenario %i, variant %s', (n, variant) => {
    const p = seeded(n, variant);
    expect([...planSignals(p)].sort()).toEqual([...(EXPECTED_SIGNALS[`${n}/${variant}`] ?? ['?'])].sort());
    const m = p.manifest.scenarios[0];
    expect(m?.variant).toBe(variant);
    expect(m?.affectedSessions.length).toBeGreaterThan(0);
    const alarm = m?.expected.alarm;
    for (const [name, state] of Object.entries(p.manifest.expectedAlarms)) expect(state).toBe(name === alarm ? 'ALARM' : 'OK');
  });
});

describe('scenario 1: memory corruption', () => {
  const p = seeded(1);
  const details = p.manifest.scenarios[0]?.details.sessions as { id: string; corruption: string; backup: string; ttlMissing: boolean; validEntries: number }[];

  it('logs more than 50 JSONDecodeError load failures in every full incident minute', () => {
    const failures = events(p, 'session_load_failed');
    expect(new Set(failures.map((f) => f.fields.error_type))).toEqual(new Set(['JSONDecodeError']));
    for (const m of incidentMinutes(p)) expect(failures.filter((f) => minuteOf(f.timestamp) === m).length).toBeGreaterThan(50);
    const errors = p.metrics.filter((d) => d.metricName === 'SessionErrors' && minuteOf(d.timestamp) >= p.ctx.incidentStart && minuteOf(d.timestamp) < minuteOf(NOW));
    for (const d of errors) expect(d.value).toBeGreaterThan(50);
    expect(new Set(failures.map((f) => f.fields.session_id))).toEqual(new Set(p.manifest.scenarios[0]?.affectedSessions));
  });

  it('fails over the replication group just before the errors start', () => {
    expect(p.failovers).toHaveLength(1);
    expect(p.failovers[0]).toMatchObject({ replicationGroupId: 'manga-sessions', nodeGroupId: '0001' });
    const first = Math.min(...events(p, 'session_load_failed').map((f) => f.timestamp));
    expect(p.failovers[0]?.at).toBeLessThan(first);
  });

  it('corrupts ~40 sessions: truncated or binary entries, good/missing/corrupt backups, a few TTLs lost', () => {
    expect(details).toHaveLength(40);
    const sessions = new Map(scenarioSessions(p).map((s) => [s.id, s]));
    for (const d of details) {
      const s = sessions.get(d.id) as SessionImage;
      const turns = key(s, 'turns');
      if (turns?.type !== 'list') throw new Error('no turns list');
      const bad = turns.entries.filter((e) => !isTurnEntry(e));
      expect(bad).toHaveLength(1);
      if (d.corruption === 'garbled') expect(Buffer.isBuffer(bad[0])).toBe(true);
      else expect(turns.entries[turns.entries.length - 1]).toBe(bad[0]);
      expect(turns.ttlMs === null).toBe(d.ttlMissing);
      const backup = key(s, 'backup');
      if (d.backup === 'missing') expect(backup).toBeUndefined();
      else if (backup?.type !== 'string') throw new Error('no backup');
      else if (d.backup === 'good') {
        // The last good save: before the cut-off write, or everything when an entry was garbled later.
        const saved = JSON.parse(backup.value as string) as unknown[];
        const entries = turns.entries.map((e) => (isTurnEntry(e) ? (JSON.parse(e as string) as unknown) : null));
        if (d.corruption === 'truncated') expect(saved).toEqual(entries.slice(0, -1));
        else {
          expect(saved).toHaveLength(entries.length);
          entries.forEach((e, i) => e !== null && expect(saved[i]).toEqual(e));
        }
      } else expect(() => JSON.parse(backup.value as string)).toThrow();
    }
    const counts = (f: (d: (typeof details)[number]) => string) => new Set(details.map(f));
    expect(counts((d) => d.corruption)).toEqual(new Set(['truncated', 'garbled']));
    expect(counts((d) => d.backup)).toEqual(new Set(['good', 'missing', 'corrupt']));
    expect(details.filter((d) => d.ttlMissing).length).toBeGreaterThanOrEqual(2);
  });

  it('connection-error leaves the data intact; schema-mismatch writes valid JSON of another shape', () => {
    const conn = seeded(1, 'connection-error');
    expect(new Set(events(conn, 'session_load_failed').map((f) => f.fields.error_type))).toEqual(new Set(['RedisConnectionError']));
    for (const s of scenarioSessions(conn)) {
      const turns = key(s, 'turns');
      expect(turns?.type === 'list' && turns.entries.every(isTurnEntry)).toBe(true);
    }
    const schema = seeded(1, 'schema-mismatch');
    expect(new Set(events(schema, 'session_load_failed').map((f) => f.fields.error_type))).toEqual(new Set(['KeyError', 'TypeError']));
    for (const s of scenarioSessions(schema)) {
      const turns = key(s, 'turns');
      if (turns?.type !== 'list') throw new Error('no turns');
      for (const e of turns.entries) expect(() => JSON.parse(e as string)).not.toThrow();
      expect(turns.entries.some((e) => !isTurnEntry(e))).toBe(true);
    }
  });
});

describe('scenario 2: routing loop', () => {
  const loops = (p: SeedPlan) => turnTraces(p.logs).filter((t) => t.routes.length > 3);

  it('low-confidence: ~10 turns alternating between two agents 4-6 times, every confidence below 0.70, left in routes', () => {
    const p = seeded(2);
    const found = loops(p);
    expect(found).toHaveLength(10);
    for (const t of found) {
      expect(t.routes.length).toBeGreaterThanOrEqual(4);
      expect(t.routes.length).toBeLessThanOrEqual(6);
      const agents = t.routes.map((r) => r.agent);
      expect(new Set(agents).size).toBe(2);
      agents.forEach((a, i) => i >= 2 && expect(a).toBe(agents[i - 2]));
      expect(t.routes.every((r) => r.confidence < 0.7)).toBe(true);
      const s = scenarioSessions(p).find((x) => x.id === t.session) as SessionImage;
      const routes = key(s, 'routes');
      if (routes?.type !== 'list') throw new Error('no routes list');
      expect(routes.entries.map((e) => JSON.parse(e as string) as { agent: string; confidence: number; at: number })).toEqual(
        t.routes.map((r) => ({ agent: r.agent, confidence: r.confidence, at: expect.any(Number) })),
      );
    }
    expect(Math.max(...p.metrics.filter((d) => d.metricName === 'RoutingCount').flatMap((d) => d.values ?? []))).toBeGreaterThan(3);
  });

  it('fluctuating alternates with confidences on both sides of 0.70; multi-agent uses a different agent each time', () => {
    for (const t of loops(seeded(2, 'fluctuating'))) {
      expect(new Set(t.routes.map((r) => r.agent)).size).toBe(2);
      expect(t.routes.some((r) => r.confidence >= 0.7) && t.routes.some((r) => r.confidence < 0.7)).toBe(true);
    }
    const multi = loops(seeded(2, 'multi-agent'));
    expect(multi.length).toBeGreaterThan(0);
    for (const t of multi) expect(new Set(t.routes.map((r) => r.agent)).size).toBe(t.routes.length);
  });
});

describe('scenario 3: hallucination after a tool timeout', () => {
  it('answers after an 800 ms search timeout with titles the catalog does not have, kept in the session', () => {
    const p = seeded(3);
    const timeouts = events(p, 'tool_call').filter((e) => e.fields.status === 'timeout');
    expect(timeouts).toHaveLength(5);
    for (const t of timeouts) {
      expect(t.fields).toMatchObject({ tool: 'search_manga_catalog', latency_ms: 800 });
      const reply = events(p, 'response').find((r) => r.fields.turn_id === t.fields.turn_id);
      if (!reply) throw new Error('no response after the timeout');
      expect(reply.timestamp).toBeGreaterThan(t.timestamp);
      const titles = namedTitles(reply.fields.text as string);
      expect(titles.length).toBeGreaterThanOrEqual(2);
      for (const title of titles) expect(catalogTitles.has(title)).toBe(false);
      const s = scenarioSessions(p).find((x) => x.id === t.fields.session_id) as SessionImage;
      const last = s.dynamo?.turns[s.dynamo.turns.length - 1];
      expect(last).toMatchObject({ role: 'assistant', content: reply.fields.text, tool_calls: [{ tool: 'search_manga_catalog', status: 'timeout' }] });
    }
  });

  it('returned-error says it could not search; the unknown title comes later, after a successful search', () => {
    const p = seeded(3, 'returned-error');
    const timedOut = new Set(events(p, 'tool_call').filter((e) => e.fields.status === 'timeout').map((e) => e.fields.turn_id));
    const replies = events(p, 'response').filter((r) => timedOut.has(r.fields.turn_id));
    expect(replies).toHaveLength(5);
    for (const r of replies) expect(namedTitles(r.fields.text as string)).toEqual([]);
    const turns = p.manifest.scenarios[0]?.details.turns as { id: string; pipelineTurnId: string; pipelineTitle: string }[];
    for (const t of turns) {
      const reply = events(p, 'response').find((r) => r.fields.turn_id === t.pipelineTurnId);
      const search = events(p, 'tool_call').find((r) => r.fields.turn_id === t.pipelineTurnId);
      expect(search?.fields.status).toBe('ok');
      expect(namedTitles(String(reply?.fields.text))).toContain(t.pipelineTitle);
      expect(catalogTitles.has(t.pipelineTitle)).toBe(false);
    }
  });
});

describe('scenario 4: item size', () => {
  it('logs ValidationException "Item size has exceeded" only for sessions over the limit, with datapoints above 0', () => {
    const p = seeded(4);
    const items = p.manifest.scenarios[0]?.details.items as { id: string; overLimit: boolean; failedSaves: number }[];
    const failures = events(p, 'session_save_failed');
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f.fields).toMatchObject({ error_type: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
    for (const i of items) expect(failures.filter((f) => f.fields.session_id === i.id).length).toBe(i.failedSaves);
    for (const i of items) expect(i.failedSaves > 0).toBe(i.overLimit);
    const recent = p.metrics.filter((d) => d.metricName === 'SessionSaveValidationErrors' && d.timestamp >= p.ctx.incidentStart);
    expect(recent.some((d) => (d.value ?? 0) > 0)).toBe(true);
  });

  it('other-validation fails ordinary saves with another message and stores no large item', () => {
    const p = seeded(4, 'other-validation');
    const failures = events(p, 'session_save_failed');
    expect(failures.length).toBe(8);
    for (const f of failures) expect(f.fields.message).toMatch(/^One or more parameter values were invalid/);
    for (const s of p.sessions) expect(itemSizeBytes(s.dynamo as unknown as Record<string, unknown>)).toBeLessThan(MAX_ITEM_BYTES / 4);
  });
});

describe('scenario 5: coordination deadlock', () => {
  const p = seeded(5);

  it('sends pairs and triples of requests within 100 ms, with WatchError conflicts', () => {
    const bursts = p.manifest.scenarios[0]?.details.bursts as { id: string; receivedAt: number[] }[];
    expect(bursts.length).toBeGreaterThan(0);
    for (const b of bursts) {
      expect([2, 3]).toContain(b.receivedAt.length);
      expect(Math.max(...b.receivedAt) - Math.min(...b.receivedAt)).toBeLessThan(100);
    }
    const conflicts = events(p, 'state_write_conflict');
    expect(conflicts.length).toBeGreaterThan(0);
    for (const c of conflicts) expect(c.fields.error_type).toBe('WatchError');
    const close = [...requestsBySession(p.logs).entries()].filter(([, t]) => t.some((x, i) => i > 0 && x - (t[i - 1] as number) < 100));
    expect(close.map(([id]) => id).sort()).toEqual([...new Set(bursts.map((b) => b.id))].sort());
  });

  it('pushes p99 latency above 5 s in every full incident minute', () => {
    const traces = turnTraces(p.logs).filter((t) => t.request !== undefined && t.response !== undefined);
    for (const m of incidentMinutes(p)) {
      const lat = traces.filter((t) => minuteOf(t.response as number) === m).map((t) => (t.response as number) - (t.request as number));
      expect(percentile(lat, 99)).toBeGreaterThan(5000);
    }
  });

  it('leaves three locks without expiry (holder gone) and one with a live lease', () => {
    const locks = p.manifest.scenarios[0]?.details.locks as { id: string; token: string; expiry: string }[];
    expect(locks.map((l) => l.expiry).sort()).toEqual(['lease', 'none', 'none', 'none']);
    for (const l of locks) {
      expect(l.token).toMatch(/^ip-10-0-\d+-\d+:\d+:\d+:[0-9a-f]{32}$/);
      const k = key(scenarioSessions(p).find((s) => s.id === l.id) as SessionImage, 'lock');
      expect(k).toMatchObject({ type: 'string', value: l.token });
      expect(k?.ttlMs === null).toBe(l.expiry === 'none');
    }
  });

  it('no-concurrency: the same latency with one request at a time', () => {
    const q = seeded(5, 'no-concurrency');
    for (const times of requestsBySession(q.logs).values()) times.forEach((t, i) => i > 0 && expect(t - (times[i - 1] as number)).toBeGreaterThan(10_000));
    expect(events(q, 'state_write_conflict')).toHaveLength(0);
  });
});
