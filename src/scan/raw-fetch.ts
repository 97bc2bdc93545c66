import type { Redis } from 'ioredis';
import { sessionKeys, type KeyLayout } from '../core/keys.js';
import type { SessionId } from '../core/session-id.js';
import { addRawSessionReads, rawSessionFromReplies, RAW_SESSION_REPLY_COUNT, type RawSession } from '../core/sessions/index.js';
import type { NodeRouter } from './node-router.js';
import { NodePipelines, type Reply } from './node-pipelines.js';

/** Replies of the turns key's reads (first four) and of the backup key's (last three), per addRawSessionReads' documented order. */
const TURNS_READS = 4;

/**
 * Fetches the raw data of `ids` with the core's reads (`addRawSessionReads`: TYPE, PTTL,
 * LLEN, LRANGE of the turns list, TYPE, PTTL, GET of the backup), one pipeline per node for
 * the whole batch. When a session's two keys live on different masters (a cluster without
 * hash tags) its turns reads go to one node and its backup reads to the other, and the seven
 * replies are put back in the core's order before `rawSessionFromReplies` reads them.
 */
export async function fetchRawSessions(router: NodeRouter, layout: KeyLayout, ids: readonly SessionId[], maxEntries: number): Promise<RawSession[]> {
  const pipelines = new NodePipelines();
  const plan = ids.map((id) => {
    const keys = sessionKeys(layout, id);
    const turnsNode = router.nodeOf(keys.turns);
    const backupNode = router.nodeOf(keys.backup);
    if (turnsNode === backupNode) {
      return { id, together: pipelines.queue(turnsNode, RAW_SESSION_REPLY_COUNT, (p) => addRawSessionReads(p, layout, id, { maxEntries })) };
    }
    const turns = pipelines.queue(turnsNode, TURNS_READS, (p) => p.type(keys.turns).pttl(keys.turns).llen(keys.turns).lrangeBuffer(keys.turns, 0, maxEntries - 1));
    const backup = pipelines.queue(backupNode, RAW_SESSION_REPLY_COUNT - TURNS_READS, (p) => p.type(keys.backup).pttl(keys.backup).getBuffer(keys.backup));
    return { id, turns, backup };
  });
  const replies = await pipelines.exec();
  const slice = (where: { node: Redis; at: number }, n: number) => (replies.get(where.node) ?? []).slice(where.at, where.at + n);
  return plan.map((p) =>
    rawSessionFromReplies(
      layout,
      p.id,
      'together' in p && p.together ? slice(p.together, RAW_SESSION_REPLY_COUNT) : [...slice(p.turns!, TURNS_READS), ...slice(p.backup!, RAW_SESSION_REPLY_COUNT - TURNS_READS)],
    ),
  );
}
