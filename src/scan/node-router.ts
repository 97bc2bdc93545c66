import { Cluster, type Redis } from 'ioredis';
import { CLUSTER_SLOTS, hashSlot } from '../core/sessions/hash-slot.js';
import { mastersOf, type RedisClient } from '../sources/redis.js';

/**
 * Which connection holds a key: the client itself on one server, or the master owning the
 * key's slot in a cluster. ioredis' Cluster has no scanStream and refuses pipelines that span
 * nodes, so the fleet scanner SCANs each master and pipelines per node through this router.
 */
export interface NodeRouter {
  /** The connected masters whose keyspaces hold the keys (SCAN each one). */
  readonly masters: readonly Redis[];
  /**
   * Masters the slot map names but ioredis holds no connection to (a node that died and was
   * dropped), and `uncovered slots` when some slot has no master at all. Their keys cannot be
   * read: a scan that has any is incomplete, never silently smaller.
   */
  readonly unreachable: readonly string[];
  /** The master owning `key`, or null when it is one of {@link unreachable}. */
  nodeOf(key: string): Redis | null;
  /** `host:port` of a connection, for reports. */
  labelOf(node: Redis): string;
}

function label(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

/** Builds the router from a connected client (a cluster must be `ready`: see `mastersOf`). */
export function nodeRouter(client: RedisClient): NodeRouter {
  const connected = mastersOf(client);
  if (!(client instanceof Cluster)) {
    const only = connected[0]!;
    return { masters: connected, unreachable: [], nodeOf: () => only, labelOf: label };
  }
  // The slot map ioredis refreshed at connect time is the truth about who owns what; its
  // connection list may already have lost a master that went away.
  const byLabel = new Map(client.nodes('all').map((n) => [label(n), n]));
  const owners = new Set<string>();
  let uncovered = false;
  for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
    const owner = client.slots[slot]?.[0];
    if (owner === undefined) uncovered = true;
    else owners.add(owner);
  }
  const masters = [...owners].flatMap((o) => (byLabel.has(o) ? [byLabel.get(o)!] : []));
  const unreachable = [...owners].filter((o) => !byLabel.has(o));
  if (uncovered) unreachable.push('uncovered slots');
  return {
    masters,
    unreachable,
    labelOf: label,
    nodeOf(key: string): Redis | null {
      const owner = client.slots[hashSlot(key)]?.[0];
      return (owner === undefined ? undefined : byLabel.get(owner)) ?? null;
    },
  };
}
