import type { ActionEnv } from '../types.js';

/** Sessions per fleet chunk, at most: see {@link fleetChunkSize}. */
export const FLEET_CHUNK_MAX = 200;

/**
 * Sessions in one fleet chunk: `redis.pipelineSize`, up to {@link FLEET_CHUNK_MAX}. Whatever a
 * chunk holds (its sessions' bytes, plans, script calls) stays in memory from its read to its
 * read-back, with up to four chunks in flight; chunks of a few hundred sessions outlived the
 * garbage collector's young generation and were copied out of it, and the fleet fix of 10,000
 * sessions ran a fifth faster with chunks of 128 to 200 than of 500. Four chunks in flight
 * already hide the round trips, so a bigger pipeline gains nothing here.
 */
export function fleetChunkSize(env: ActionEnv): number {
  return Math.min(env.config.redis.pipelineSize, FLEET_CHUNK_MAX);
}
