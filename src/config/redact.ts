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

/** `****WXYZ`: the last four characters, as the AWS console shows an access key. */
export function redactAccessKeyId(id: string): string {
  return id.length > 8 ? `****${id.slice(-4)}` : REDACTED;
}

/** A copy of the configuration safe to print: no AUTH password, no AWS secret or key. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.redis.url) copy.redis.url = redactUrl(copy.redis.url);
  if (copy.redis.password) copy.redis.password = REDACTED;
  if (copy.aws.secretAccessKey) copy.aws.secretAccessKey = REDACTED;
  // Not a secret by AWS's rules, but half of one: show only enough to tell two keys apart.
  if (copy.aws.accessKeyId) copy.aws.accessKeyId = redactAccessKeyId(copy.aws.accessKeyId);
  return copy;
}
