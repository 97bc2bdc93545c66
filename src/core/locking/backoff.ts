/**
 * "Full jitter" exponential backoff: a uniformly random delay in [0, min(cap, base * 2^n)).
 * Writers that collided once and then waited the same fixed delay (as the seed's 50/100/200 ms
 * did) collide again; spreading them over the whole window is what lets them all get through.
 *
 * @param attempt zero-based number of the attempt that just failed
 * @param random  a source of numbers in [0, 1), injectable for deterministic tests
 */
export function jitteredBackoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** A promise that resolves after `ms` milliseconds (immediately for 0). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
