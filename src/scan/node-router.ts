import { Cluster, type Redis } from 'ioredis';
import { hashSlot } from '../core/sessions/index.js';
import { mastersOf, type RedisClient } from '../sources/redis.js';

/**
 * Which connection holds a key: the client itself on one server, or the master owning the
 * key's slot in a cluster. ioredis' Cluster has no scanStream and refuses pipelines that span
 * nodes, so the fleet scanner SCANs each master and pipelines per node through this router.
 */
export interface NodeRouter {
  /** The connections whose keyspaces together hold every key (SCAN each one). */
  readonly masters: readonly Redis[];
  /** The master owning `key`. */
  nodeOf(key: string): Redis;
  /** `host:port` of a connection, for reports. */
  labelOf(node: Redis): string;
}

function label(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

/** Builds the router from a connected client (a cluster must be `ready`: see `mastersOf`). */
export function nodeRouter(client: RedisClient): NodeRouter {
  const masters = mastersOf(client);
  if (!(client instanceof Cluster)) {
    const only = masters[0]!;
    return { masters, nodeOf: () => only, labelOf: label };
  }
  const byLabel = new Map(masters.map((m) => [label(m), m]));
  return {
    masters,
    labelOf: label,
    nodeOf(key: string): Redis {
      // ioredis keeps the slot map it refreshed at connect time: slots[slot][0] is the master.
      const owner = client.slots[hashSlot(key)]?.[0];
      const node = owner === undefined ? undefined : byLabel.get(owner);
      if (!node) throw new Error(`no master known for slot ${hashSlot(key)} (cluster slot map incomplete)`);
      return node;
    },
  };
}
