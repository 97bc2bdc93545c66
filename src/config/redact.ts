import type { Config } from './schema.js';

const REDACTED = '***redacted***';

/** Removes the password from a redis:// URL, keeping the user so the reader knows who connects. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = REDACTED;
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//' + REDACTED + '@');
  }
}

/** A copy of the configuration safe to print: no AUTH password, no AWS secret. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.redis.url) copy.redis.url = redactUrl(copy.redis.url);
  if (copy.redis.password) copy.redis.password = REDACTED;
  if (copy.aws.secretAccessKey) copy.aws.secretAccessKey = REDACTED;
  return copy;
}
