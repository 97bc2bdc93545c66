import { createHash } from 'node:crypto';
import { invalid } from './params.js';

/**
 * Opaque paging tokens. A token carries its position and a fingerprint of the request it
 * belongs to, so a token replayed with different parameters is refused (as AWS refuses a
 * foreign token) instead of silently paging through a different result.
 */

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

export function encodeToken(position: Record<string, unknown>, requestFingerprint: string): string {
  return Buffer.from(JSON.stringify({ ...position, f: requestFingerprint }), 'utf8').toString('base64url');
}

/** Decodes a token made by encodeToken for the same request; anything else is InvalidParameterException. */
export function decodeToken(token: string, requestFingerprint: string): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('The specified nextToken is invalid.');
  }
  if (typeof decoded !== 'object' || decoded === null || (decoded as { f?: unknown }).f !== requestFingerprint) {
    throw invalid('The specified nextToken is invalid.');
  }
  return decoded as Record<string, unknown>;
}

/** Reads a finite number member of a decoded token. */
export function tokenNumber(position: Record<string, unknown>, key: string): number {
  const value = position[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('The specified nextToken is invalid.');
  return value;
}
