import type { Config } from '../config/schema.js';
import { sessionIdFromKey, sessionKeys } from '../core/keys.js';
import { isClusterClient } from '../core/redis-types.js';
import { isValidSessionId, parseSessionId } from '../core/session-id.js';
import { hashSlot } from '../core/sessions/index.js';
import { layoutFromConfig, type RedisClient } from '../sources/redis.js';
import { sessionMatchPattern } from './match.js';
import { nodeRouter } from './node-router.js';

/** How the session keys found in the store are written. */
export type ObservedLayout = 'plain' | 'hash_tagged' | 'mixed' | 'no_sessions';

/** What `doctor` reports about multi-key writes (see {@link detectCrossSlotHazard}). */
export interface CrossSlotHazard {
  /** True when the seed's MULTI over a session's turns and backup would fail here. */
  hazard: boolean;
  /** For the engineer: what fails, why, and what manga-oncall does instead. */
  explanation: string;
  mode: 'single' | 'cluster';
  hashTags: boolean;
  /** A session's turns and backup keys with their slots and owning masters. */
  example: { sessionId: string; turns: { key: string; slot: number; node: string }; backup: { key: string; slot: number; node: string } } | null;
  /** From one SCAN page per master: how existing keys are written (a config that disagrees is a finding too). */
  observed: ObservedLayout;
}

const SAMPLE_COUNT = 200;

/** One SCAN page per master: are the session keys written `{<id>}` or plain? Read-only. */
async function observeLayout(client: RedisClient, prefix: string): Promise<{ observed: ObservedLayout; sampleId: string | null }> {
  const router = nodeRouter(client);
  let tagged = 0;
  let plain = 0;
  let sampleId: string | null = null;
  for (const node of router.masters) {
    const [, keys] = (await node.scan('0', 'MATCH', sessionMatchPattern({ prefix, hashTags: false }), 'COUNT', SAMPLE_COUNT)) as [string, string[]];
    for (const key of keys) {
      const id = sessionIdFromKey({ prefix, hashTags: false }, key);
      if (id === null) continue;
      if (id.startsWith('{') && id.endsWith('}')) tagged++;
      else plain++;
      sampleId ??= id.startsWith('{') ? id.slice(1, -1) : id;
    }
  }
  const observed: ObservedLayout = tagged && plain ? 'mixed' : tagged ? 'hash_tagged' : plain ? 'plain' : 'no_sessions';
  return { observed, sampleId };
}

/**
 * Whether the seed's way of saving a session (turns and backup in one MULTI/EXEC) can work
 * against this store. On a single server it always can. On a cluster the two keys must hash
 * to one slot, which only hash-tagged ids (`{<id>}`, `redis.hashTags: true`) guarantee;
 * with plain ids the server answers CROSSSLOT (ioredis refuses even earlier, client-side),
 * so every save of the seed's orchestrator fails. manga-oncall's core does not fail there:
 * in that layout it writes key by key in a safe order (quarantine first, backup before the
 * list, each key a WATCHed single-key MULTI, then reads everything back to verify).
 * Also compares the configured layout with the keys actually found. Never writes.
 */
export async function detectCrossSlotHazard(config: Config, client: RedisClient): Promise<CrossSlotHazard> {
  const layout = layoutFromConfig(config);
  const cluster = isClusterClient(client) || (config.redis.cluster?.length ?? 0) > 0;
  const { observed, sampleId } = await observeLayout(client, layout.prefix);
  const id = parseSessionId(sampleId !== null && isValidSessionId(sampleId) ? sampleId : 'example-session');
  const keys = sessionKeys(layout, id);
  const router = isClusterClient(client) ? nodeRouter(client) : null;
  const where = (key: string) => {
    const owner = router?.nodeOf(key);
    return { key, slot: hashSlot(key), node: owner ? router!.labelOf(owner) : router ? 'an unreachable master' : 'the server' };
  };
  const example = cluster ? { sessionId: id, turns: where(keys.turns), backup: where(keys.backup) } : null;
  const mode = cluster ? 'cluster' : 'single';
  const mismatch =
    observed === 'mixed'
      ? ' Warning: the store holds both hash-tagged and plain session keys; sessions written in the other layout are invisible to this configuration.'
      : (observed === 'hash_tagged' && !layout.hashTags) || (observed === 'plain' && layout.hashTags)
        ? ` Warning: the keys found are ${observed === 'plain' ? 'plain' : 'hash-tagged'} but redis.hashTags is ${layout.hashTags}: manga-oncall would not find the sessions; fix the configuration.`
        : '';
  if (!cluster) {
    return { hazard: false, mode, hashTags: layout.hashTags, example, observed, explanation: `single server: MULTI/EXEC over a session's keys works, writes are atomic.${mismatch}` };
  }
  if (layout.hashTags) {
    return {
      hazard: false,
      mode,
      hashTags: true,
      example,
      observed,
      explanation: `cluster with hash-tagged ids: all keys of a session share slot ${example!.turns.slot} (e.g. ${keys.turns}), so MULTI/EXEC over turns and backup works and writes are atomic.${mismatch}`,
    };
  }
  const t = example!.turns;
  const b = example!.backup;
  const slots = t.slot === b.slot ? `slot ${t.slot}` : `slots ${t.slot} (${t.node}) and ${b.slot} (${b.node})`;
  return {
    hazard: true,
    mode,
    hashTags: false,
    example,
    observed,
    explanation:
      `cluster with plain session ids: a session's turns and backup keys hash to different slots (${keys.turns} and ${keys.backup}: ${slots}), ` +
      `so the runbook's save of both in one MULTI/EXEC fails with CROSSSLOT (ioredis refuses it before sending) and every such save is lost. ` +
      `manga-oncall's own writes use the safe non-transactional order here (quarantine first, backup, then the list, each key re-checked, then read back and verified). ` +
      `To make session writes atomic, write ids as {<id>} (redis.hashTags: true) in the orchestrator and here.${mismatch}`,
  };
}
