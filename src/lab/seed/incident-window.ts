/**
 * Placing incident events in time: the whole minutes of the incident part of the window,
 * and spreading per-session events so that no two of one session come closer than a
 * person could send them (closer than 100 ms would read as scenario 5's concurrency).
 */
import { MINUTE_MS, minuteOf, type SeedContext } from './context.js';
import type { Rng } from './rng.js';

/** Whole minutes from the incident start up to (not including) the minute of `now`. */
export function fullIncidentMinutes(ctx: SeedContext): number[] {
  const out: number[] = [];
  for (let m = ctx.incidentStart; m + MINUTE_MS <= minuteOf(ctx.now); m += MINUTE_MS) out.push(m);
  return out;
}

/** Latest time an incident event may start and still finish (by `tailMs`) before `now`. */
export const latestStart = (ctx: SeedContext, tailMs: number): number => ctx.now - tailMs;

/** True when `t` is at least `gapMs` away from every time in `times`. */
export function spaced(times: readonly number[], t: number, gapMs: number): boolean {
  return times.every((x) => Math.abs(x - t) >= gapMs);
}

/** A start time for a session's first exchange well before the incident. */
export function preIncidentStart(rng: Rng, ctx: SeedContext): number {
  return rng.int(ctx.windowStart, ctx.incidentStart - 90_000);
}
