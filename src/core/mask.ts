/**
 * Masking of user message content and other personal data (contract section 4): every
 * output masks it unless the engineer asked for `--show-content` on a terminal. The mask
 * keeps what an on-call engineer needs to reason (length, a stable fingerprint to tell two
 * messages apart) and drops what they must not see.
 */
import { createHash } from 'node:crypto';

export interface MaskOptions {
  /** Reveal content (only ever true for `--show-content` on a terminal, never in JSON, audit or reports). */
  showContent?: boolean;
}

/** `«masked: 42 chars, #1a2b3c»`: the length and a short hash, never the text. */
export function maskText(text: string, opts: MaskOptions = {}): string {
  if (opts.showContent) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 6);
  return `«masked: ${[...text].length} chars, #${digest}»`;
}

/** Fields of a turn, a log event or a DynamoDB item that carry what a user or the assistant said. */
export const CONTENT_FIELDS: ReadonlySet<string> = new Set(['content', 'text', 'message_text', 'history_summary', 'user_message', 'query']);

/**
 * A deep copy of `value` with every content field masked. Other fields (roles, agents,
 * timestamps, sizes, ids) stay, since diagnosis needs them.
 */
export function maskContent<T>(value: T, opts: MaskOptions = {}): T {
  if (opts.showContent) return value;
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') return key !== undefined && CONTENT_FIELDS.has(key) ? maskText(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value, undefined) as T;
}
