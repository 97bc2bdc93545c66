import type { KeyLayout } from '../keys.js';
import type { RedisClient } from '../redis-types.js';
import type { ReadTuning } from './key-snapshot.js';

/** The resolved settings every session operation runs with (see SessionStoreOptions). */
export interface StoreContext {
  readonly redis: RedisClient;
  readonly layout: KeyLayout;
  readonly ttlSeconds: number;
  readonly now: () => number;
  /** One MULTI/EXEC for all keys of a write; false for a cluster without hash tags. */
  readonly atomic: boolean;
  readonly read: ReadTuning;
  readonly pushBatch: number;
  readonly maxAttempts: number;
}
