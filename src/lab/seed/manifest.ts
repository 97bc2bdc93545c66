/**
 * The seed manifest: what `seedLab` wrote and what diagnose should find in it. The demo and
 * diagnose's tests compare findings to it, so it lists every affected session, never a sample.
 */
import type { KeyLayout } from '../../core/keys.js';
import type { AlarmName } from './metrics.js';
import type { LogEventName } from './model.js';
import type { ScenarioManifest } from './scenario-types.js';

export const MANIFEST_SCHEMA_VERSION = 1;

/** Names of everything the lab creates (the contract's defaults). */
export const LAB_RESOURCES = {
  sessionsTable: 'manga_sessions',
  productsTable: 'manga_products',
  overflowBucket: 'manga-session-overflow',
  logGroup: '/manga-assist/orchestrator',
  replicationGroup: 'manga-sessions',
  metricNamespace: 'MangaAssist',
} as const;

export interface SeedManifest {
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  seed: number;
  /** The seed's clock, epoch ms; every event is at or before it. */
  now: number;
  window: { start: number; incidentStart: number; end: number };
  layout: KeyLayout;
  resources: typeof LAB_RESOURCES & { logStreams: string[]; alarms: AlarmName[] };
  background: {
    sessions: number;
    turns: number;
    logEvents: number;
    logEventsByType: Partial<Record<LogEventName, number>>;
    products: number;
    series: number;
  };
  /** One entry per seeded scenario, in scenario order. */
  scenarios: ScenarioManifest[];
  /** The state each alarm should be in right after seeding. */
  expectedAlarms: Record<AlarmName, 'OK' | 'ALARM'>;
  totals: { sessions: number; redisKeys: number; dynamoItems: number; logEvents: number; metricData: number; cacheFailovers: number };
}
