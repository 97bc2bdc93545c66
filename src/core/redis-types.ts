import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** Any client the core talks to: a single node or a cluster (same shape as lua-scripts.ts). */
export type RedisClient = Redis | Cluster;

/** A pipeline or a MULTI transaction being built: commands are queued, then `exec()`. */
export type RedisPipeline = ChainableCommander;

/** What `TYPE` answers; module types (e.g. `ReJSON-RL`) are kept as the raw name. */
export type RedisKeyType = 'none' | 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream' | (string & {});

/** `PTTL` sentinels: the key does not exist / exists without an expiry. */
export const PTTL_MISSING = -2;
export const PTTL_PERSISTENT = -1;
/**
 * A snapshot's TTL that was not read (the fleet's planning read skips PTTL: no decision
 * depends on it, and the repair script reads it for the quarantine record). Never written
 * anywhere: a record built by the client gets the TTL read first.
 */
export const PTTL_NOT_READ = -3;

/** True for an ioredis Cluster client (both client classes expose `isCluster`). */
export function isClusterClient(client: RedisClient): boolean {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The error code of a Redis error reply: the protocol puts it as the first word of the
 * message (`WRONGTYPE ...`, `CROSSSLOT ...`, `OOM ...`). This is the protocol's own error
 * code, not free text, so classifying by it is as safe as classifying an AWS error by name.
 */
export function redisErrorCode(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return null;
  const match = /^([A-Z][A-Z_-]+)\b/.exec(err.message);
  return match?.[1] ?? null;
}
