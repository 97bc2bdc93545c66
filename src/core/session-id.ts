import { CoreError } from './errors.js';

/**
 * The contract's session id pattern. Validated once, at the edge: nothing that reaches a
 * key builder can contain a glob character (* ? [ ]), a brace (which would change the
 * cluster hash slot), whitespace or a control character.
 */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

declare const validSessionId: unique symbol;
/** A string that passed {@link parseSessionId}; key builders accept only this type. */
export type SessionId = string & { readonly [validSessionId]: true };

export function isValidSessionId(raw: unknown): raw is SessionId {
  return typeof raw === 'string' && SESSION_ID_PATTERN.test(raw);
}

export function parseSessionId(raw: unknown): SessionId {
  if (isValidSessionId(raw)) return raw;
  const shown = typeof raw === 'string' ? JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw) : String(raw);
  throw new CoreError('INVALID_SESSION_ID', `invalid session id ${shown}: must match ${SESSION_ID_PATTERN.source}`, {
    suggestion: 'session ids are 1-128 characters of letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
  });
}
