import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { splitVolume } from '../../src/core/grounding/volumes.js';
import { itemSizeBytes, MAX_ITEM_BYTES } from '../../src/core/size/item-size.js';
import { INVENTED_TITLES, SERIES, catalogProducts } from '../../src/lab/seed/catalog.js';
import { LabSeedError } from '../../src/lab/seed/errors.js';
import { ALARMS } from '../../src/lab/seed/metrics.js';
import { planSeed, type SeedOptions } from '../../src/lab/seed/plan.js';
import { Rng } from '../../src/lab/seed/rng.js';
import { SCENARIOS } from '../../src/lab/seed/scenarios.js';
import { namedTitles, percentile, planSignals, turnTraces } from './lab-seed-signals.js';

/** Plain JS to DynamoDB wire form (strings, numbers, booleans, lists, maps): what dynalite measures. */
function marshall(v: unknown): Record<string, unknown> {
  const one = (x: unknown): unknown => {
    if (typeof x === 'string') return { S: x };
    if (typeof x === 'number') return { N: String(x) };
    if (typeof x === 'boolean') return { BOOL: x };
    if (Array.isArray(x)) return { L: x.map(one) };
    return { M: marshall(x) };
  };
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, one(x)]));
}

const NOW = Date.UTC(2025, 10, 28, 3, 0, 17);
const plan = (o: Partial<SeedOptions> = {}) => planSeed({ scenarios: 'none', sessions: 100, now: NOW, ...o });

/** Bytes-exact view of a plan (Buffers as hex), for determinism checks. */
const canonical = (p: ReturnType<typeof planSeed>) =>
  JSON.stringify({ s: p.sessions, l: p.logs, m: p.metrics, f: p.failovers, x: p.manifest, p: p.products }, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? `hex:${Buffer.from((v as { data: number[] }).data).toString('hex')}` : v,
  );

describe('Rng', () => {
  it('repeats its sequence for the same key and differs for another', () => {
    const a = new Rng('42');
    const b = new Rng('42');
    const c = new Rng('43');
    const seqA = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('keeps int() within its inclusive bounds and reaches both', () => {
    const r = new Rng('bounds');
    const seen = new Set(Array.from({ length: 2000 }, () => r.int(3, 7)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('catalog', () => {
  it('has 50+ real series with unique codes, Japanese and English titles and JPY prices', () => {
    expect(SERIES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SERIES.map((s) => s.code)).size).toBe(SERIES.length);
    expect(new Set(SERIES.map((s) => s.titleJa)).size).toBe(SERIES.length);
    for (const s of SERIES) {
      expect(s.code).toMatch(/^[A-Z0-9]+$/);
      expect(s.titleEn).toMatch(/[A-Za-z]/);
      expect(Number.isInteger(s.priceJpy) && s.priceJpy >= 400 && s.priceJpy <= 2500).toBe(true);
      expect(s.volumes).toBeGreaterThan(0);
    }
  });

  it('has one product per volume, ids MNG-<series>-<vol>, unique', () => {
    const products = catalogProducts(new Rng('c'));
    expect(products).toHaveLength(SERIES.reduce((n, s) => n + s.volumes, 0));
    expect(new Set(products.map((p) => p.product_id)).size).toBe(products.length);
    for (const p of products) {
      expect(p.product_id).toMatch(/^MNG-[A-Z0-9]+-\d{3}$/);
      // The store lists a volume as "<title> <n>": the form the grounding index parses.
      expect(splitVolume(p.title)).toEqual({ series: p.series_title.normalize('NFKC'), volume: p.volume });
      expect(splitVolume(p.title_en)).toEqual({ series: p.series_title_en.normalize('NFKC'), volume: p.volume });
    }
    expect(products.some((p) => !p.in_stock)).toBe(true);
  });

  it('never lets an invented title collide with a catalog title in either language', () => {
    const titles = SERIES.flatMap((s) => [s.titleJa.toLowerCase(), s.titleEn.toLowerCase()]);
    for (const t of INVENTED_TITLES) {
      for (const name of [t.ja.toLowerCase(), t.en.toLowerCase()]) {
        expect(titles.some((c) => c.includes(name) || name.includes(c))).toBe(false);
      }
    }
  });
});

describe('planSeed', () => {
  it('is deterministic: same seed and now give the same bytes; another seed other ids', () => {
    const a = plan({ scenarios: 'all', seed: 7 });
    const b = plan({ scenarios: 'all', seed: 7 });
    expect(canonical(a)).toBe(canonical(b));
    const c = plan({ scenarios: 'all', seed: 8 });
    const ids = new Set(a.sessions.map((s) => s.id));
    expect(c.sessions.filter((s) => ids.has(s.id))).toHaveLength(0);
  });

  it('draws each part from its own stream: adding background sessions does not change a scenario', () => {
    const small = plan({ scenarios: [2], sessions: 10 });
    const large = plan({ scenarios: [2], sessions: 60 });
    expect(small.manifest.scenarios[0]?.details).toEqual(large.manifest.scenarios[0]?.details);
  });

  it('keeps every event inside the window, ending at now', () => {
    const p = plan({ scenarios: 'all' });
    for (const l of p.logs) {
      expect(l.timestamp).toBeGreaterThanOrEqual(p.ctx.windowStart);
      expect(l.timestamp).toBeLessThanOrEqual(NOW);
    }
    expect(NOW - p.ctx.windowStart).toBeLessThanOrEqual(20 * 60_000);
    for (const m of p.metrics) expect(m.timestamp).toBeLessThanOrEqual(NOW);
    for (const f of p.failovers) expect(f.at).toBeGreaterThanOrEqual(p.ctx.windowStart);
  });

  it('gives every session a unique, contract-valid id', () => {
    const p = plan({ scenarios: 'all' });
    const ids = p.sessions.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
  });

  it('lists every affected session of every scenario in the manifest', () => {
    const p = plan({ scenarios: 'all' });
    const background = p.sessions.slice(0, 100).map((s) => s.id);
    const scenarioIds = p.sessions.slice(100).map((s) => s.id).sort();
    expect(p.manifest.scenarios.flatMap((s) => s.affectedSessions).sort()).toEqual(scenarioIds);
    expect(p.manifest.background.sessions).toBe(100);
    expect(background.some((id) => scenarioIds.includes(id))).toBe(false);
    expect(p.manifest.expectedAlarms).toEqual({
      manga_session_errors: 'ALARM', agent_routing_count: 'ALARM', agent_squad_p99_latency: 'ALARM', manga_sessions_validation_exception: 'ALARM',
    });
  });

  it.each([
    [{ scenarios: [6] }],
    [{ scenarios: [0] }],
    [{ scenarios: [1], variants: { 1: 'nope' } }],
    [{ scenarios: [1], variants: { 2: 'fluctuating' } }],
    [{ sessions: -1 }],
    [{ sessions: 1.5 }],
    [{ now: Number.NaN }],
  ] as Partial<SeedOptions>[][])('refuses bad options before doing anything: %j', (bad) => {
    let caught: unknown;
    try {
      plan(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LabSeedError);
    expect((caught as LabSeedError).code).toBe('BAD_OPTION');
  });
});

describe('background (scenarios: none)', () => {
  const p = plan();

  it('shows no signal of any scenario and leaves every alarm OK', () => {
    expect([...planSignals(p)]).toEqual([]);
    expect(p.manifest.scenarios).toEqual([]);
    expect(Object.values(p.manifest.expectedAlarms).every((s) => s === 'OK')).toBe(true);
  });

  it('stores healthy sessions: turns, a backup equal to them, versioned state, TTL within 30 min', () => {
    for (const s of p.sessions) {
      const turns = s.redis.find((k) => k.kind === 'turns');
      const backup = s.redis.find((k) => k.kind === 'backup');
      const state = s.redis.find((k) => k.kind === 'state');
      if (turns?.type !== 'list' || backup?.type !== 'string' || state?.type !== 'string') throw new Error(`session ${s.id} lacks a key`);
      const parsed = turns.entries.map((e) => JSON.parse(e as string) as { role: string });
      expect(JSON.parse(backup.value as string)).toEqual(parsed);
      expect(Number.isInteger((JSON.parse(state.value as string) as { version: number }).version)).toBe(true);
      for (const k of s.redis) {
        expect(k.ttlMs).toBeGreaterThan(0);
        expect(k.ttlMs).toBeLessThanOrEqual(1_800_000);
      }
      expect(s.dynamo?.turns).toEqual(parsed);
      expect(s.dynamo?.turn_count).toBe(parsed.length);
      expect(itemSizeBytes(s.dynamo as unknown as Record<string, unknown>)).toBeLessThan(50 * 1024);
    }
  });

  it('routes confidently and names only titles the turn’s tool call returned', () => {
    const byId = new Map(p.products.map((x) => [x.product_id, x]));
    const returned = new Map<string, Set<string>>();
    for (const l of p.logs) {
      if (l.fields.event === 'route') expect(l.fields.confidence).toBeGreaterThanOrEqual(0.8);
      if (l.fields.event === 'tool_call') {
        expect(l.fields.status).toBe('ok');
        const set = returned.get(l.fields.turn_id) ?? new Set<string>();
        for (const id of (l.fields.product_ids as string[] | undefined) ?? []) {
          const prod = byId.get(id);
          if (!prod) throw new Error(`tool returned unknown product ${id}`);
          set.add(prod.series_title);
          set.add(prod.series_title_en);
        }
        returned.set(l.fields.turn_id, set);
      }
    }
    let named = 0;
    for (const l of p.logs.filter((x) => x.fields.event === 'response')) {
      for (const title of namedTitles(l.fields.text as string)) {
        named++;
        expect(returned.get(l.fields.turn_id)?.has(title)).toBe(true);
      }
    }
    expect(named).toBeGreaterThan(50);
  });

  it('mixes Japanese and English conversations', () => {
    const texts = p.sessions.flatMap((s) => s.dynamo?.turns.filter((t) => t.role === 'user').map((t) => t.content) ?? []);
    expect(texts.some((t) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(t))).toBe(true);
    expect(texts.some((t) => /^[\x20-\x7e]+$/.test(t))).toBe(true);
  });

  it('derives healthy metrics: errors below 50/min, routing at most 2, p99 below 2.5 s, no validation errors', () => {
    for (const m of p.metrics) {
      if (m.metricName === 'SessionErrors') expect(m.value).toBeLessThanOrEqual(5);
      if (m.metricName === 'SessionSaveValidationErrors') expect(m.value).toBe(0);
      if (m.metricName === 'RoutingCount') expect(Math.max(...(m.values ?? []))).toBeLessThanOrEqual(2);
    }
    const latencies = turnTraces(p.logs).flatMap((t) => (t.request !== undefined && t.response !== undefined ? [t.response - t.request] : []));
    expect(percentile(latencies, 99)).toBeLessThanOrEqual(2500);
    expect(percentile(latencies, 99)).toBeGreaterThanOrEqual(1000);
  });

  it('defines the four alarms of the contract with the seed’s thresholds', () => {
    const byName = Object.fromEntries(ALARMS.map((a) => [a.AlarmName, a]));
    expect(byName.manga_session_errors).toMatchObject({ MetricName: 'SessionErrors', Statistic: 'Sum', Threshold: 50, Period: 60 });
    expect(byName.agent_routing_count).toMatchObject({ MetricName: 'RoutingCount', Statistic: 'Maximum', Threshold: 3 });
    expect(byName.agent_squad_p99_latency).toMatchObject({ MetricName: 'AgentSquadLatency', ExtendedStatistic: 'p99', Threshold: 5000 });
    expect(byName.manga_sessions_validation_exception).toMatchObject({ MetricName: 'SessionSaveValidationErrors', Statistic: 'Sum', Threshold: 0 });
  });
});

describe('scenario 4 sizes', () => {
  const p = plan({ scenarios: [4] });
  const items = p.sessions.slice(100).map((s) => s.dynamo as unknown as Record<string, unknown>);
  const require = createRequire(import.meta.url);
  const dynaliteDb = require('dynalite/db/index.js') as { itemSize(item: unknown): number };

  it('makes 150+ turn sessions just under and over 400 KB by DynamoDB’s UTF-8 rules', () => {
    const sizes = items.map((i) => itemSizeBytes(i));
    expect(sizes.filter((s) => s > MAX_ITEM_BYTES).length).toBeGreaterThanOrEqual(4);
    expect(sizes.filter((s) => s <= MAX_ITEM_BYTES && s >= 380 * 1024).length).toBeGreaterThanOrEqual(2);
    for (const i of items) expect((i.turns as unknown[]).length).toBeGreaterThanOrEqual(150);
    const details = p.manifest.scenarios[0]?.details.items as { id: string; sizeBytes: number; overLimit: boolean }[];
    expect(details.map((d) => d.sizeBytes)).toEqual(sizes);
    expect(details.map((d) => d.overLimit)).toEqual(sizes.map((s) => s > MAX_ITEM_BYTES));
  });

  it('keeps every item within dynalite’s UTF-16 measure, so the lab can store what DynamoDB would refuse', () => {
    for (const i of items) expect(dynaliteDb.itemSize(marshall(i))).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });
});

describe('variants', () => {
  it('each scenario lists its default variant first', () => {
    expect(Object.keys(SCENARIOS[1].variants)[0]).toBe('failover');
    expect(Object.keys(SCENARIOS[2].variants)[0]).toBe('low-confidence');
    expect(Object.keys(SCENARIOS[3].variants)[0]).toBe('hallucination');
    expect(Object.keys(SCENARIOS[4].variants)[0]).toBe('item-size');
    expect(Object.keys(SCENARIOS[5].variants)[0]).toBe('watch-conflicts');
  });
});
