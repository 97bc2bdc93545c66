import { EmulatorError } from '../types.js';

/**
 * Opaque paging tokens (CloudWatch `NextToken`, ElastiCache `Marker`). They carry the offset
 * of the next item plus a fingerprint of the request, so a token replayed with different
 * filters is refused the way AWS refuses it, instead of silently skipping items.
 */
export function encodePageToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint }), 'utf8').toString('base64url');
}

/** The offset a token points to; 0 without a token. Throws `code` for a foreign or stale token. */
export function decodePageToken(token: string | undefined, fingerprint: string, code: string): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.f === fingerprint) return parsed.o;
  } catch {
    // fall through: not one of ours
  }
  throw new EmulatorError(code, 'The pagination token is invalid or does not belong to this request.');
}

/** One page of `items` from `offset`, and the token for the next page if any remain. */
export function pageOf<T>(items: readonly T[], offset: number, size: number, fingerprint: string): { page: T[]; next: string | undefined } {
  const page = items.slice(offset, offset + size);
  const nextOffset = offset + page.length;
  return { page, next: nextOffset < items.length ? encodePageToken(nextOffset, fingerprint) : undefined };
}
