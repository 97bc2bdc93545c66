import type { Redis } from 'ioredis';
import { sessionKeys, type KeyLayout } from '../core/keys.js';
import type { SessionId } from '../core/session-id.js';
import { addRawSessionReads, rawSessionFromReplies, RAW_SESSION_REPLY_COUNT, type RawSession } from '../core/sessions/index.js';
import type { NodeRouter } from './node-router.js';
import { NodePipelines, type Reply } from './node-pipelines.js';

type Slot = { node: Redis; at: number };
/** Where one session's replies are: all seven on one node, or split between two. */
type Planned = { id: SessionId; together: Slot } | { id: SessionId; turns: Slot; backup: Slot };

/** Replies of the turns key's reads (first four) and of the backup key's (last three), per addRawSessionReads' documented order. */
const TURNS_READS = 4;

/**
 * Fetches the raw data of `ids` with the core's reads (`addRawSessionReads`: TYPE, PTTL,
 * LLEN, LRANGE of the turns list, TYPE, PTTL, GET of the backup), one pipeline per node for
 * the whole batch. When a session's two keys live on different masters (a cluster without
 * hash tags) its turns reads go to one node and its backup reads to the other, and the seven
 * replies are put back in the core's order before `rawSessionFromReplies` reads them.
 */
export async function fetchRawSessions(
  router: NodeRouter,
  layout: KeyLayout,
  ids: readonly SessionId[],
  maxEntries: number,
): Promise<{ sessions: RawSession[]; unreachable: number; failed: ReadonlyMap<Redis, unknown> }> {
  const pipelines = new NodePipelines();
  let unreachable = 0;
  const plan = ids.flatMap((id): Planned[] => {
    const keys = sessionKeys(layout, id);
    const turnsNode = router.nodeOf(keys.turns);
    const backupNode = router.nodeOf(keys.backup);
    // A key on a master we cannot reach: the session cannot be judged (counted, not guessed).
    if (!turnsNode || !backupNode) {
      unreachable++;
      return [];
    }
    if (turnsNode === backupNode) {
      return [{ id, together: pipelines.queue(turnsNode, RAW_SESSION_REPLY_COUNT, (p) => addRawSessionReads(p, layout, id, { maxEntries })) }];
    }
    const turns = pipelines.queue(turnsNode, TURNS_READS, (p) => p.type(keys.turns).pttl(keys.turns).llen(keys.turns).lrangeBuffer(keys.turns, 0, maxEntries - 1));
    const backup = pipelines.queue(backupNode, RAW_SESSION_REPLY_COUNT - TURNS_READS, (p) => p.type(keys.backup).pttl(keys.backup).getBuffer(keys.backup));
    return [{ id, turns, backup }];
  });
  const { replies, failed } = await pipelines.exec();
  const slice = (where: Slot, n: number) => (replies.get(where.node) ?? []).slice(where.at, where.at + n);
  // A master that went away while the batch was in flight: its sessions are unjudged, like
  // those of a master the slot map already knew to be gone.
  const answered = plan.filter((p) => ('together' in p ? [p.together] : [p.turns, p.backup]).every((s) => !failed.has(s.node)));
  unreachable += plan.length - answered.length;
  const sessions = answered.map((p) =>
    rawSessionFromReplies(
      layout,
      p.id,
      'together' in p ? slice(p.together, RAW_SESSION_REPLY_COUNT) : [...slice(p.turns, TURNS_READS), ...slice(p.backup, RAW_SESSION_REPLY_COUNT - TURNS_READS)],
    ),
  );
  return { sessions, unreachable, failed };
}
