import { parseSessionId, type SessionId } from '../core/session-id.js';
import type { KeyLayout } from '../core/keys.js';

/**
 * Parses `--match`: a session id prefix, validated exactly like a session id (the contract's
 * pattern), so no glob character (`* ? [ ] \`), brace, space or control character typed by
 * a user ever reaches SCAN. Throws CoreError INVALID_SESSION_ID (exit 2) otherwise.
 */
export function parseIdPrefix(raw: string): SessionId {
  return parseSessionId(raw);
}

/**
 * The SCAN MATCH pattern for every session key of the layout, optionally narrowed to ids
 * starting with `idPrefix`. Built only from the configured prefix (validated by the config
 * schema to `[A-Za-z0-9_.-]`), constants and a validated id prefix: the only glob character
 * in it is the trailing `*` we put there.
 *
 * @example sessionMatchPattern({ prefix: 'manga', hashTags: true }, 'abc') // "manga:session:{abc*"
 */
export function sessionMatchPattern(layout: KeyLayout, idPrefix?: SessionId): string {
  const open = layout.hashTags ? '{' : '';
  return `${layout.prefix}:session:${idPrefix === undefined ? '' : open + idPrefix}*`;
}
