/**
 * The deterministic, LLM-free history summary kept in the item after compaction (a port of
 * the seed's `_compact_history`). Differences from the seed, and why:
 *
 * - agents are listed in first-seen order: the seed joined a Python set, whose order changes
 *   from one process to the next, so the same history gave different items;
 * - excerpts are cut on grapheme boundaries: a cut in the middle of a surrogate pair (or of
 *   an emoji sequence) leaves invalid text that the next JSON round trip mangles;
 * - the whole summary is capped in UTF-8 bytes, so a summary can never be what pushes the
 *   item over the limit; the full history is in S3, the summary only orients the agent.
 */
import type { SessionTurn } from './session-item.js';
import { utf8Bytes } from './item-size.js';

/** Upper bound of `history_summary`, in UTF-8 bytes. */
export const SUMMARY_MAX_BYTES = 2048;
/** Characters (graphemes) kept from each user message quoted in the summary. */
export const SUMMARY_EXCERPT_CHARS = 100;
/** User messages quoted: the first few (why the user came) and the last ones (what led to the kept turns). */
export const SUMMARY_FIRST_EXCHANGES = 3;
export const SUMMARY_LAST_EXCHANGES = 7;
const MAX_AGENTS = 10;
const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first `max` user-perceived characters of `text`, never splitting a surrogate pair or emoji sequence. */
export function truncateGraphemes(text: string, max: number): string {
  let out = '';
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count === max) return out + ELLIPSIS;
    out += segment;
    count++;
  }
  return out;
}

/** The longest grapheme-boundary prefix of `text` of at most `maxBytes` UTF-8 bytes (ellipsis included when cut). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(ELLIPSIS);
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = utf8Bytes(segment);
    if (used + size > budget) break;
    out += segment;
    used += size;
  }
  return out + ELLIPSIS;
}

function excerpt(content: unknown): string {
  const text = typeof content === 'string' ? content : JSON.stringify(content ?? '');
  return truncateGraphemes(text.replace(/\s+/g, ' ').trim(), SUMMARY_EXCERPT_CHARS);
}

/**
 * Summarizes the turns being moved out of the item.
 *
 * @param turns - the compacted turns, oldest first
 * @param opts.lostTurns - turns before these that no store holds (a seed compaction dropped them)
 * @param opts.previousSummary - the summary already in the item, kept (shortened) when turns were lost
 */
export function summarizeTurns(turns: readonly SessionTurn[], opts: { lostTurns?: number; previousSummary?: string } = {}): string {
  const agents: string[] = [];
  const asks: string[] = [];
  for (const turn of turns) {
    if (typeof turn.agent_name === 'string' && turn.agent_name !== '' && !agents.includes(turn.agent_name)) {
      agents.push(turn.agent_name);
    }
    if (turn.role === 'user') asks.push(excerpt(turn.content));
  }
  const quoted =
    asks.length <= SUMMARY_FIRST_EXCHANGES + SUMMARY_LAST_EXCHANGES
      ? asks
      : [...asks.slice(0, SUMMARY_FIRST_EXCHANGES), ...asks.slice(-SUMMARY_LAST_EXCHANGES)];
  const shownAgents = agents.slice(0, MAX_AGENTS).map((a) => truncateGraphemes(a, 40));
  const parts = [
    `Conversation summary (${turns.length} earlier turns): `,
    `Topics covered by agents: ${shownAgents.length ? shownAgents.join(', ') : 'none'}. `,
    `Key exchanges: ${quoted.map((q) => `User asked about: ${q}`).join('; ')}`,
  ];
  const lost = opts.lostTurns ?? 0;
  if (lost > 0) {
    const before = opts.previousSummary ? ` Earlier summary: ${truncateUtf8(opts.previousSummary, SUMMARY_MAX_BYTES / 4)}` : '';
    parts.unshift(`[${lost} turns before these were compacted without a copy and cannot be restored.${before}] `);
  }
  return truncateUtf8(parts.join(''), SUMMARY_MAX_BYTES);
}
