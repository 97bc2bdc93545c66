import type { ChainableCommander, Redis } from 'ioredis';

/** One reply of `pipeline.exec()`: the error (WRONGTYPE...) or the value. */
export type Reply = [Error | null, unknown];

/** Collects per-node pipelines and hands each caller back its slice of the replies. */
export class NodePipelines {
  private readonly pipes = new Map<Redis, { pipe: ChainableCommander; count: number }>();

  /** Queues `reads` on `node`'s pipeline; returns where its replies start. */
  queue(node: Redis, replies: number, reads: (pipe: ChainableCommander) => void): { node: Redis; at: number } {
    let entry = this.pipes.get(node);
    if (!entry) {
      entry = { pipe: node.pipeline(), count: 0 };
      this.pipes.set(node, entry);
    }
    const at = entry.count;
    reads(entry.pipe);
    entry.count += replies;
    return { node, at };
  }

  /** Sends every pipeline at once (one round trip per node) and returns the replies by node. */
  async exec(): Promise<Map<Redis, Reply[]>> {
    const entries = [...this.pipes];
    const results = await Promise.all(entries.map(([, e]) => e.pipe.exec()));
    return new Map(entries.map(([node], i) => [node, (results[i] ?? []) as Reply[]]));
  }
}
