/**
 * The scanner's fast test of a stored entry: true only when the core's turn schema
 * (`src/core/turn.ts`: role, content, ts, optional agent_name and tool_calls, extra fields
 * allowed) would accept it too. It may be stricter than the core, never looser: an entry it
 * rejects sends its whole session to the core's own classification (`classifyRawSession`),
 * which has the last word. Hand-written because a schema library's parse of every turn of a
 * million sessions is most of a scan's CPU; a property test keeps the two in agreement.
 */
export function isPlainTurn(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const t = value as Record<string, unknown>;
  const role = t.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'tool') return false;
  if (typeof t.content !== 'string') return false;
  const ts = t.ts;
  // JSON.parse turns 1e999 into Infinity, which the schema rejects: so do we.
  if (typeof ts !== 'number' || !(ts >= 0) || ts === Infinity) return false;
  const agent = t.agent_name;
  if (agent !== undefined && agent !== null && typeof agent !== 'string') return false;
  const calls = t.tool_calls;
  if (calls !== undefined && calls !== null && !Array.isArray(calls)) return false;
  return true;
}

/**
 * True when a stored entry, as ioredis decodes it to a string, is JSON of a turn (see
 * {@link isPlainTurn}). Decoding replaces bytes that are not UTF-8 with U+FFFD, so any
 * U+FFFD sends the session to the core, which reads the bytes themselves (`not_utf8`); a
 * turn that really contains U+FFFD only costs that second look. Strings rather than
 * Buffers: one allocation less per entry, which is most of a scan's garbage.
 */
export function textIsPlainTurn(text: string): boolean {
  if (text.indexOf('\uFFFD') !== -1) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return isPlainTurn(value);
}
