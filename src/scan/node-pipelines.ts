import type { ChainableCommander, Redis } from 'ioredis';

/** One reply of `pipeline.exec()`: the error (WRONGTYPE...) or the value. */
export type Reply = [Error | null, unknown];

/** What one round of pipelines brought back: the replies of each node that answered, and the nodes that did not. */
export interface PipelineResults {
  replies: Map<Redis, Reply[]>;
  /** Nodes whose pipeline failed as a whole or carried a connection error (not a server reply), with that error. */
  failed: Map<Redis, unknown>;
}

/**
 * A reply error that is not the server's answer: ioredis' uncoded "Connection is closed." or
 * "Stream isn't writeable" when the node went away while the pipeline was queued.
 */
function connectionError(replies: readonly Reply[]): Error | null {
  for (const [err] of replies) if (err && err.name !== 'ReplyError') return err;
  return null;
}

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

  /**
   * Sends every pipeline at once (one round trip per node). A node that fails does not take
   * the others' replies with it: a batch scanned on a healthy master may read a key on a
   * master that just died (a backup whose turns list lives elsewhere), and the caller decides
   * what that node's loss means (its own node: the scan of it fails; another: unjudged).
   */
  async exec(): Promise<PipelineResults> {
    const entries = [...this.pipes];
    const settled = await Promise.allSettled(entries.map(([, e]) => e.pipe.exec()));
    const replies = new Map<Redis, Reply[]>();
    const failed = new Map<Redis, unknown>();
    entries.forEach(([node], i) => {
      const s = settled[i]!;
      if (s.status === 'rejected') return void failed.set(node, s.reason);
      const list = (s.value ?? []) as Reply[];
      const lost = connectionError(list);
      if (lost) failed.set(node, lost);
      else replies.set(node, list);
    });
    return { replies, failed };
  }
}
