import type { SessionId } from './session-id.js';

/**
 * The Redis key layout of the contract (section 5). With `hashTags` the id is written
 * `{<id>}` so every key of one session lands in one cluster slot and MULTI works on them.
 */
export interface KeyLayout {
  readonly prefix: string;
  readonly hashTags: boolean;
}

export const DEFAULT_LAYOUT: KeyLayout = { prefix: 'manga', hashTags: false };

export type SessionKeyKind = 'turns' | 'backup' | 'state' | 'routes' | 'pin' | 'lock';
export const SESSION_KEY_KINDS: readonly SessionKeyKind[] = ['turns', 'backup', 'state', 'routes', 'pin', 'lock'];

export interface SessionKeys {
  readonly turns: string;
  readonly backup: string;
  readonly state: string;
  readonly routes: string;
  readonly pin: string;
  readonly lock: string;
}

function idPart(layout: KeyLayout, id: SessionId): string {
  return layout.hashTags ? `{${id}}` : id;
}

export function sessionKeys(layout: KeyLayout, id: SessionId): SessionKeys {
  const base = `${layout.prefix}:session:${idPart(layout, id)}`;
  return {
    turns: `${base}:turns`,
    backup: `${base}:backup`,
    state: `${base}:state`,
    routes: `${base}:routes`,
    pin: `${base}:pin`,
    lock: `${base}:lock`,
  };
}

export function quarantineKey(layout: KeyLayout, id: SessionId, epochMs: number): string {
  return `${layout.prefix}:quarantine:${idPart(layout, id)}:${epochMs}`;
}

/** SCAN pattern for one kind of session key. Built from constants only, never from user input. */
export function sessionScanPattern(layout: KeyLayout, kind: SessionKeyKind): string {
  return `${layout.prefix}:session:*:${kind}`;
}

/**
 * One SCAN pattern for keys of any of `kinds`: SCAN walks the whole keyspace once per pattern,
 * so two kinds are found in one pass, not two. With several kinds the pattern may match more
 * (its classes take any kind's letter at each place, e.g. `*:[tb][ua][rc][nk]*` for turns and
 * backup): keep only keys whose {@link sessionKeyKind} is one of them.
 */
export function sessionScanPatternFor(layout: KeyLayout, kinds: readonly SessionKeyKind[]): string {
  if (kinds.length === 1) return sessionScanPattern(layout, kinds[0]!);
  const shortest = Math.min(...kinds.map((k) => k.length));
  let classes = '';
  for (let j = 0; j < shortest; j++) classes += `[${[...new Set(kinds.map((k) => k[j]))].join('')}]`;
  return `${layout.prefix}:session:*:${classes}*`;
}

/** The kind of a session key (its suffix after the last colon), or null when it is not one. */
export function sessionKeyKind(key: string): SessionKeyKind | null {
  const kind = key.slice(key.lastIndexOf(':') + 1);
  return (SESSION_KEY_KINDS as readonly string[]).includes(kind) ? (kind as SessionKeyKind) : null;
}

export function quarantineScanPattern(layout: KeyLayout, id: SessionId): string {
  return `${layout.prefix}:quarantine:${idPart(layout, id)}:*`;
}

/** Undoes {@link idPart}: the id inside its braces with hash tags, or null when they are missing. */
function unwrapIdPart(layout: KeyLayout, part: string): string | null {
  if (part.length === 0) return null;
  if (!layout.hashTags) return part;
  if (part.length < 3 || !part.startsWith('{') || !part.endsWith('}')) return null;
  return part.slice(1, -1);
}

/**
 * Recovers the session id from a key of this layout, or null when the key is not one.
 * The suffix must be one of {@link SESSION_KEY_KINDS}; ids may contain ":" (the contract
 * allows it), so the kind is taken after the last colon. The id is returned as found:
 * callers pass it through `parseSessionId` before using it to build keys.
 */
export function sessionIdFromKey(layout: KeyLayout, key: string): string | null {
  const head = `${layout.prefix}:session:`;
  if (!key.startsWith(head)) return null;
  const rest = key.slice(head.length);
  const lastColon = rest.lastIndexOf(':');
  if (lastColon <= 0) return null;
  if (!(SESSION_KEY_KINDS as readonly string[]).includes(rest.slice(lastColon + 1))) return null;
  return unwrapIdPart(layout, rest.slice(0, lastColon));
}

/**
 * Splits a quarantine key (`<prefix>:quarantine:<id>:<epoch-ms>`) into its session id and
 * time, or null when the key is not one of this layout. Used to tell session `a`'s records
 * from those of session `a:1`, which the SCAN pattern of `a` also matches.
 */
export function parseQuarantineKey(layout: KeyLayout, key: string): { sessionId: string; epochMs: number } | null {
  const head = `${layout.prefix}:quarantine:`;
  if (!key.startsWith(head)) return null;
  const rest = key.slice(head.length);
  const lastColon = rest.lastIndexOf(':');
  if (lastColon <= 0) return null;
  const digits = rest.slice(lastColon + 1);
  if (!/^\d{1,16}$/.test(digits)) return null;
  const sessionId = unwrapIdPart(layout, rest.slice(0, lastColon));
  return sessionId === null ? null : { sessionId, epochMs: Number(digits) };
}

export const SESSION_TTL_SECONDS = 1800;
export const QUARANTINE_TTL_SECONDS = 7 * 24 * 3600;
