/**
 * The whole seed as data, computed without touching any service: background, the chosen
 * scenarios, metrics derived from the logs, and the manifest. `seedLab` writes what this
 * returns; tests check it directly. Deterministic: the same options give the same plan,
 * byte for byte (each part draws from its own forked PRNG stream).
 */
import { DEFAULT_LAYOUT, type KeyLayout } from '../../core/keys.js';
import { generateBackground } from './background.js';
import { catalogProducts, SERIES, type Product } from './catalog.js';
import { ecsStreams, makeContext, type SeedContext } from './context.js';
import { LabSeedError } from './errors.js';
import { LAB_RESOURCES, MANIFEST_SCHEMA_VERSION, type SeedManifest } from './manifest.js';
import { ALARMS, answeredPerMinute, deriveMetrics, type AlarmName, type MetricDatum } from './metrics.js';
import type { CacheFailover, LogEventName, LogRecord, SessionImage } from './model.js';
import { Rng } from './rng.js';
import { SCENARIO_NUMBERS, type ScenarioManifest, type ScenarioNumber } from './scenario-types.js';
import { defaultVariant, SCENARIOS, variantsOf } from './scenarios.js';

export const DEFAULT_SESSIONS = 1000;
export const DEFAULT_SEED = 42;
const LOG_STREAMS = 3;
/** Far above any lab's needs; keeps a typo (`--sessions 1e7`) from exhausting memory. */
export const MAX_SESSIONS = 100_000;

export interface SeedOptions {
  /** Which of the seed's five scenarios to plant; `none` is healthy background only. */
  scenarios: 'all' | 'none' | readonly number[];
  /** Healthy background sessions (default 1000). */
  sessions?: number;
  /** PRNG seed (default 42): same seed and `now`, same data. */
  seed?: number;
  /** Variant per scenario (default: each scenario's first variant). */
  variants?: Partial<Record<ScenarioNumber, string>>;
  /** The clock, epoch ms (default Date.now()); the only time input. */
  now?: number;
  layout?: KeyLayout;
}

export interface SeedPlan {
  ctx: SeedContext;
  layout: KeyLayout;
  products: Product[];
  /** Background sessions first, then each scenario's. */
  sessions: SessionImage[];
  /** Sorted by timestamp. */
  logs: LogRecord[];
  metrics: MetricDatum[];
  failovers: CacheFailover[];
  manifest: SeedManifest;
}

/** The scenario numbers `opts.scenarios` selects, validated, ascending. */
export function selectedScenarios(scenarios: SeedOptions['scenarios']): ScenarioNumber[] {
  if (scenarios === 'all') return [...SCENARIO_NUMBERS];
  if (scenarios === 'none') return [];
  if (!Array.isArray(scenarios)) throw new LabSeedError('BAD_OPTION', `scenarios must be 'all', 'none' or a list of 1..5`);
  const out = new Set<ScenarioNumber>();
  for (const n of scenarios) {
    if (!(SCENARIO_NUMBERS as readonly number[]).includes(n)) throw new LabSeedError('BAD_OPTION', `unknown scenario ${String(n)}: scenarios are 1..5`);
    out.add(n as ScenarioNumber);
  }
  return [...out].sort((a, b) => a - b);
}

function resolveVariant(n: ScenarioNumber, requested: string | undefined): string {
  if (requested === undefined) return defaultVariant(n);
  if (!variantsOf(n).includes(requested)) {
    throw new LabSeedError('BAD_OPTION', `scenario ${n} has no variant ${JSON.stringify(requested)}: one of ${variantsOf(n).join(', ')}`);
  }
  return requested;
}

function countByEvent(logs: readonly LogRecord[]): Partial<Record<LogEventName, number>> {
  const out: Partial<Record<LogEventName, number>> = {};
  for (const e of logs) out[e.fields.event] = (out[e.fields.event] ?? 0) + 1;
  return out;
}

export function planSeed(opts: SeedOptions): SeedPlan {
  const sessions = opts.sessions ?? DEFAULT_SESSIONS;
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? Date.now();
  const layout = opts.layout ?? DEFAULT_LAYOUT;
  if (!Number.isInteger(sessions) || sessions < 0 || sessions > MAX_SESSIONS) throw new LabSeedError('BAD_OPTION', `sessions must be an integer in 0..${MAX_SESSIONS}`);
  if (!Number.isSafeInteger(seed)) throw new LabSeedError('BAD_OPTION', 'seed must be an integer');
  if (!Number.isSafeInteger(now) || now <= 0) throw new LabSeedError('BAD_OPTION', 'now must be epoch milliseconds');
  const chosen = selectedScenarios(opts.scenarios);
  for (const key of Object.keys(opts.variants ?? {})) {
    if (!chosen.includes(Number(key) as ScenarioNumber)) throw new LabSeedError('BAD_OPTION', `a variant was given for scenario ${key}, which is not being seeded`);
  }

  const root = new Rng(`manga-lab/${seed}`);
  const products = catalogProducts(root.fork('catalog'));
  const ctx = makeContext(now, products, ecsStreams(root.fork('streams'), LOG_STREAMS));
  const background = generateBackground(root.fork('background'), ctx, sessions);
  const traffic = { answeredPerMinute: answeredPerMinute(background.logs) };

  const allSessions: SessionImage[] = [...background.sessions];
  const logs: LogRecord[] = [...background.logs];
  const failovers: CacheFailover[] = [];
  const manifests: ScenarioManifest[] = [];
  for (const n of chosen) {
    const variant = resolveVariant(n, opts.variants?.[n]);
    const result = SCENARIOS[n].generate(root.fork(`scenario-${n}/${variant}`), ctx, variant, traffic);
    allSessions.push(...result.sessions);
    logs.push(...result.logs);
    failovers.push(...result.failovers);
    manifests.push(result.manifest);
  }
  logs.sort((a, b) => a.timestamp - b.timestamp);
  const metrics = deriveMetrics(root.fork('metrics'), ctx, logs);

  const expectedAlarms = Object.fromEntries(ALARMS.map((a) => [a.AlarmName, 'OK'])) as Record<AlarmName, 'OK' | 'ALARM'>;
  for (const m of manifests) if (m.expected.alarm) expectedAlarms[m.expected.alarm] = 'ALARM';

  const manifest: SeedManifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    seed,
    now,
    window: { start: ctx.windowStart, incidentStart: ctx.incidentStart, end: now },
    layout,
    resources: { ...LAB_RESOURCES, logStreams: [...ctx.streams], alarms: ALARMS.map((a) => a.AlarmName) },
    background: {
      sessions: background.sessions.length,
      turns: background.sessions.reduce((s, x) => s + (x.dynamo?.turn_count ?? 0), 0),
      logEvents: background.logs.length,
      logEventsByType: countByEvent(background.logs),
      products: products.length,
      series: SERIES.length,
    },
    scenarios: manifests,
    expectedAlarms,
    totals: {
      sessions: allSessions.length,
      redisKeys: allSessions.reduce((s, x) => s + x.redis.length, 0),
      dynamoItems: allSessions.filter((x) => x.dynamo).length + products.length,
      logEvents: logs.length,
      metricData: metrics.length,
      cacheFailovers: failovers.length,
    },
  };
  return { ctx, layout, products, sessions: allSessions, logs, metrics, failovers, manifest };
}
