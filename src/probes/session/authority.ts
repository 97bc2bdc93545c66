import type { AuthoritativeCopy } from './types.js';

/** One readable copy of a session's history. */
export interface CopyFacts {
  copy: Exclude<AuthoritativeCopy, 'none'>;
  /** Turns it holds (for DynamoDB with S3, the joined history). */
  turns: number;
  /** The newest turn's time, epoch ms. */
  lastTs: number | undefined;
  /** False when the copy is damaged (corrupt entries, unreadable backup). */
  usable: boolean;
}

const ORDER: readonly CopyFacts['copy'][] = ['redis.turns', 'redis.backup', 'dynamodb+s3', 'dynamodb'];
const LABEL: Record<CopyFacts['copy'], string> = {
  'redis.turns': 'the Redis turns list',
  'redis.backup': 'the Redis backup key',
  'dynamodb+s3': 'DynamoDB with its S3 overflow',
  dynamodb: 'the DynamoDB item',
};

/**
 * Which copy to trust: the usable copy holding the newest turn, and among equally new ones
 * the one with more turns, then the live one (Redis, which the orchestrator reads on every
 * turn, before the backup, before the durable store). A corrupt turns list is never
 * authoritative, however new: that is the copy a fix replaces.
 */
export function authoritativeCopy(copies: readonly CopyFacts[]): { copy: AuthoritativeCopy; reason: string } {
  const usable = copies.filter((c) => c.usable && c.turns > 0);
  if (usable.length === 0) {
    const damaged = copies.filter((c) => !c.usable).map((c) => LABEL[c.copy]);
    return { copy: 'none', reason: damaged.length ? `no usable copy: ${damaged.join(' and ')} ${damaged.length > 1 ? 'are' : 'is'} damaged` : 'the session exists in no store' };
  }
  const best = [...usable].sort(
    (a, b) => (b.lastTs ?? 0) - (a.lastTs ?? 0) || b.turns - a.turns || ORDER.indexOf(a.copy) - ORDER.indexOf(b.copy),
  )[0]!;
  const others = copies
    .filter((c) => c !== best)
    .map((c) => `${LABEL[c.copy]} ${c.usable ? `holds ${c.turns}` : 'is damaged'}`);
  const when = best.lastTs ? `, newest at ${new Date(best.lastTs).toISOString().slice(11, 19)}Z` : '';
  return { copy: best.copy, reason: `${LABEL[best.copy]} holds ${best.turns} turns${when}${others.length ? `; ${others.join(', ')}` : ''}` };
}
