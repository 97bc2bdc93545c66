/**
 * Many corrupt sessions, written fast (pipelined), as a failover would leave them: a list
 * of turns whose last entry was cut off mid-write, and a backup that is good (one session in
 * three), missing, or itself cut off. And the count that must survive any fix: each
 * session's valid turns, found afterwards in the turns list or in a quarantine record.
 */
import type { Redis } from 'ioredis';
import { parseSessionId } from '../../src/core/session-id.js';
import { addRawSessionReads, analyzeEntries, classifyRawSession, rawSessionFromReplies, RAW_SESSION_REPLY_COUNT, type SessionClassification } from '../../src/core/sessions/index.js';

export const TURNS = 6;

export function corruptId(i: number): string {
  return `crash-${String(i).padStart(5, '0')}`;
}

export async function writeCorruptSessions(redis: Redis, n: number, prefix = 'manga'): Promise<void> {
  for (let start = 0; start < n; start += 500) {
    const pipe = redis.pipeline();
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const id = corruptId(i);
      const turns = Array.from({ length: TURNS }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: `session ${i} turn ${t} ワンピース 第${t + 1}巻`, ts: 1_700_000_000_000 + i * 100 + t, ...(t % 2 ? { agent_name: 'ProductSearchAgent' } : {}) }));
      const entries = turns.map((t) => JSON.stringify(t));
      entries[TURNS - 1] = entries[TURNS - 1]!.slice(0, 25);
      const key = `${prefix}:session:${id}`;
      pipe.rpush(`${key}:turns`, ...entries).pexpire(`${key}:turns`, 1_700_000);
      const good = JSON.stringify(turns.slice(0, -1));
      if (i % 3 === 0) pipe.set(`${key}:backup`, good, 'PX', 1_700_000);
      if (i % 3 === 2) pipe.set(`${key}:backup`, good.slice(0, 40), 'PX', 1_700_000);
    }
    await pipe.exec();
  }
}

/** Valid turn entries (their exact bytes) of each session's turns list. */
export async function validTurns(redis: Redis, n: number, prefix = 'manga'): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let start = 0; start < n; start += 500) {
    const pipe = redis.pipeline();
    const ids: string[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      ids.push(corruptId(i));
      pipe.lrangeBuffer(`${prefix}:session:${corruptId(i)}:turns`, 0, -1);
    }
    const replies = (await pipe.exec()) ?? [];
    ids.forEach((id, j) => {
      const entries = (replies[j]?.[1] as Buffer[]) ?? [];
      const checks = analyzeEntries(entries).checks;
      out.set(id, entries.filter((_, k) => checks[k]!.ok).map((e) => e.toString('utf8')));
    });
  }
  return out;
}

/** Every session's quarantine records (one SCAN of the keyspace), and the turns-list entries they keep. */
export async function quarantinedBySession(redis: Redis, prefix = 'manga'): Promise<Map<string, { records: number; entries: Set<string> }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:quarantine:*`, 'COUNT', 5000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  const out = new Map<string, { records: number; entries: Set<string> }>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const values = await redis.mget(...chunk);
    values.forEach((text) => {
      const record = JSON.parse(text!) as { sessionId: string; keys: Record<string, { type: string; encoding?: string; value: unknown }> };
      const slot = out.get(record.sessionId) ?? { records: 0, entries: new Set<string>() };
      slot.records++;
      for (const [k, q] of Object.entries(record.keys)) {
        if (k.endsWith(':turns') && q.type === 'list' && q.encoding === 'utf8') for (const e of q.value as string[]) slot.entries.add(e);
      }
      out.set(record.sessionId, slot);
    });
  }
  return out;
}

/** The core's verdict on each session, from pipelined reads. */
export async function classifyAll(redis: Redis, n: number): Promise<Map<string, SessionClassification>> {
  const out = new Map<string, SessionClassification>();
  const layout = { prefix: 'manga', hashTags: false };
  for (let start = 0; start < n; start += 500) {
    const ids = Array.from({ length: Math.min(n, start + 500) - start }, (_, j) => parseSessionId(corruptId(start + j)));
    const pipe = redis.pipeline();
    for (const id of ids) addRawSessionReads(pipe, layout, id);
    const replies = ((await pipe.exec()) ?? []) as [Error | null, unknown][];
    ids.forEach((id, j) => out.set(id, classifyRawSession(rawSessionFromReplies(layout, id, replies.slice(j * RAW_SESSION_REPLY_COUNT, (j + 1) * RAW_SESSION_REPLY_COUNT)))));
  }
  return out;
}
