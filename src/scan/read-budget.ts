/** Time, injectable so the budget can be tested without waiting (and without timed assertions). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** DynamoDB bills a Scan by the bytes it reads: 4 KB per RCU, half of that for eventually consistent reads. */
export function estimateScanRcu(pageBytes: number, consistentRead = false): number {
  return Math.ceil(pageBytes / 4096) * (consistentRead ? 1 : 0.5);
}

/**
 * A read budget in read capacity units per second, shared by every segment of a scan: a
 * token bucket holding at most one second of budget. A page's cost is only known after it
 * was read (DynamoDB's ConsumedCapacity), so the bucket may go into debt; the next request
 * of any segment then waits until the debt is repaid. Averaged over any window of more than
 * a second, the scan consumes at most `rcuPerSecond` (plus one page) and leaves the rest of
 * the table's capacity to the live service.
 */
export class ReadBudget {
  private tokens: number;
  private last: number;
  /** Total time requests waited for the budget, ms. */
  waitedMs = 0;
  consumed = 0;

  constructor(
    readonly rcuPerSecond: number,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    if (!(rcuPerSecond > 0)) throw new RangeError('the read budget must be a positive number of RCU per second');
    this.tokens = rcuPerSecond;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.rcuPerSecond, this.tokens + ((now - this.last) / 1000) * this.rcuPerSecond);
    this.last = now;
  }

  /** Resolves when a request may be sent: when the bucket is out of debt. */
  async acquire(): Promise<void> {
    for (this.refill(); this.tokens <= 0; this.refill()) {
      const waitMs = Math.max(1, Math.ceil((-this.tokens / this.rcuPerSecond) * 1000));
      this.waitedMs += waitMs;
      await this.clock.sleep(waitMs);
    }
  }

  /** Records what a request consumed. */
  spend(rcu: number): void {
    this.refill();
    this.tokens -= rcu;
    this.consumed += rcu;
  }
}
