/**
 * Runs the tasks of one session one after the other, in the order they were submitted,
 * while tasks of different sessions run concurrently. This is the in-process half of
 * scenario 5's prevention: two WebSocket messages of one user that land on the same
 * orchestrator task no longer race on the session state.
 *
 * Unlike the seed's dictionary of asyncio locks, which only grew (its `cleanup` had to be
 * called by hand when a session ended, and never was on a crash), each session's entry is
 * removed as soon as its queue drains, so memory is bounded by the sessions busy right now.
 */
export class SessionRequestSerializer {
  /** The last queued task of each busy session, settled (never rejected) so chains continue. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Queues `task` behind the session's earlier tasks and resolves or rejects with its result.
   * A task that fails does not stop the ones queued after it.
   */
  run<T>(sessionId: string, task: () => T | Promise<T>): Promise<T> {
    const previous = this.tails.get(sessionId) ?? Promise.resolve();
    const result = previous.then(() => task());
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(sessionId, tail);
    void tail.then(() => {
      // Only the last task of the queue may remove the entry; an earlier one would drop
      // a queue that is still in use and let the next task overtake it.
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    });
    return result;
  }

  /** How many sessions have queued or running tasks. */
  get busySessions(): number {
    return this.tails.size;
  }
}
