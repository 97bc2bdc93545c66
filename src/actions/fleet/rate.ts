import { setTimeout as delay } from 'node:timers/promises';

/**
 * `--rate <sessions/s>`: paces work so that n sessions are never started sooner than n/rate
 * seconds after the previous batch's share (no burst beyond one batch). Unlimited when no
 * rate is given. The clock and the sleep are injectable so the pacing can be checked exactly.
 */
export class RateLimiter {
  private next = 0;

  constructor(
    private readonly perSecond: number | undefined,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
  ) {
    if (perSecond !== undefined && !(perSecond > 0)) throw new RangeError('rate must be a positive number of sessions per second');
  }

  /** Resolves when `n` sessions may start; rejects when `signal` fires while waiting. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond === undefined || n <= 0) return;
    const t = this.now();
    const start = Math.max(t, this.next);
    this.next = start + (n * 1000) / this.perSecond;
    if (start > t) await this.sleep(start - t, signal);
  }
}
