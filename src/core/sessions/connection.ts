import type { Cluster, Redis } from 'ioredis';
import { CoreError } from '../errors.js';
import { isClusterClient, type RedisClient } from '../redis-types.js';
import { hashSlot } from './hash-slot.js';

/**
 * The single-node connection that serves `key`: the client itself on a standalone server,
 * or the master of the key's slot in a cluster. WATCH state lives on one connection, so a
 * WATCH ... MULTI/EXEC sequence must run on the node that owns the watched keys, not through
 * the cluster router (which would send a keyless UNWATCH to a random node).
 */
export async function connectionForKey(client: RedisClient, key: string): Promise<Redis> {
  if (!isClusterClient(client)) return client as Redis;
  const cluster = client as Cluster;
  if (cluster.status !== 'ready') await waitReady(cluster);
  const master = cluster.slots[hashSlot(key)]?.[0];
  const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
  if (!node) {
    throw new CoreError('PRECONDITION_FAILED', `no cluster master serves the slot of ${key}`, {
      suggestion: 'check `CLUSTER SLOTS`: every slot must be assigned',
    });
  }
  return node;
}

/** Resolves once the cluster client has loaded the slot map (or rejects on its first error). */
export function waitReady(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = () => {
      cluster.off('error', onError);
      resolve();
    };
    const onError = (err: unknown) => {
      cluster.off('ready', onReady);
      reject(err);
    };
    cluster.once('ready', onReady);
    cluster.once('error', onError);
  });
}

/**
 * Readers-writer gate per connection. A WATCH belongs to the connection, not to the caller:
 * if two of our operations shared one connection, one's EXEC would clear (or be aborted by)
 * the other's WATCH, and a plain MULTI/EXEC slipped in between would consume it. So a WATCH
 * ... EXEC sequence holds the connection exclusively, while MULTI/EXEC without WATCH (a
 * save) only needs to keep out of such a sequence and may run alongside other saves.
 * Code outside the core that WATCHes on the same client is not covered: give the core its
 * own client (`redis.duplicate()`) in that case.
 */
class ConnectionGate {
  /** > 0: that many shared holders; -1: one exclusive holder. */
  private active = 0;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.active = this.active === -1 ? 0 : this.active - 1;
      this.drain();
    }
  }

  private admits(exclusive: boolean): boolean {
    return exclusive ? this.active === 0 : this.active >= 0;
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.admits(exclusive)) {
      this.active = exclusive ? -1 : this.active + 1;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ exclusive, grant }));
  }

  private drain(): void {
    for (let next = this.waiting[0]; next && this.admits(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      this.active = next.exclusive ? -1 : this.active + 1;
      next.grant();
    }
  }
}

const gates = new WeakMap<object, ConnectionGate>();

/** Runs `fn` holding `connection` exclusively (WATCH ... EXEC) or shared (plain MULTI/EXEC). */
export function withConnection<T>(connection: Redis, mode: 'exclusive' | 'shared', fn: () => Promise<T>): Promise<T> {
  let gate = gates.get(connection);
  if (!gate) gates.set(connection, (gate = new ConnectionGate()));
  return gate.run(mode === 'exclusive', fn);
}
