/**
 * What every generator shares: the clock (`now` is the seeder's only time input), the
 * window all events fall in, the catalog, the log streams, and the session id allocator
 * that keeps ids unique across background and scenarios.
 */
import { indexProducts, type Product, type ProductIndex } from './catalog.js';
import type { Rng } from './rng.js';

/** Minutes of history the seed writes; events, datapoints and alarms all fall inside. */
export const WINDOW_MINUTES = 20;
/** Scenario signals sit in the last minutes of the window, so alarms see them as current. */
export const INCIDENT_MINUTES = 5;
export const MINUTE_MS = 60_000;
export const SESSION_TTL_MS = 1_800_000;

export interface SeedContext {
  readonly now: number;
  /** First whole minute of the window (aligned, so metric periods and event minutes agree). */
  readonly windowStart: number;
  /** First whole minute of the incident part of the window. */
  readonly incidentStart: number;
  readonly products: readonly Product[];
  readonly productIndex: ProductIndex;
  /** Log streams of `/manga-assist/orchestrator`, one per ECS task. */
  readonly streams: readonly string[];
  /** A fresh, never reused session id. */
  newSessionId(rng: Rng): string;
}

/** ECS awslogs stream names: `<prefix>/<container>/<task id>`. */
export function ecsStreams(rng: Rng, count: number): string[] {
  return Array.from({ length: count }, () => `orchestrator/orchestrator/${rng.hex(32)}`);
}

export function makeContext(now: number, products: readonly Product[], streams: readonly string[]): SeedContext {
  const windowStart = Math.ceil((now - WINDOW_MINUTES * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  const incidentStart = Math.ceil((now - INCIDENT_MINUTES * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  const used = new Set<string>();
  return {
    now,
    windowStart,
    incidentStart,
    products,
    productIndex: indexProducts(products),
    streams,
    newSessionId(rng: Rng): string {
      for (;;) {
        const id = `sess-${rng.hex(16)}`;
        if (!used.has(id)) {
          used.add(id);
          return id;
        }
      }
    },
  };
}

/** Start of the minute that contains `ts`. */
export const minuteOf = (ts: number): number => Math.floor(ts / MINUTE_MS) * MINUTE_MS;
