import type { GlobalOptions } from './context.js';

/**
 * Warnings about how this run was asked to connect, printed to stderr before the command
 * runs, on every run, JSON mode included: the engineer must never lose them to a pipe.
 */
export function securityWarnings(globals: Pick<GlobalOptions, 'insecureSkipVerify' | 'redisUrl'>): string[] {
  const warnings: string[] = [];
  if (globals.insecureSkipVerify) {
    warnings.push(
      '!!! WARNING: --insecure-skip-verify: the Redis server TLS certificate is NOT verified. Anyone on the network path can ' +
        'impersonate the server and read the session data and the AUTH password. Use it only against a lab; for production ' +
        'set redis.tls.ca to the CA bundle (and redis.tls.servername if the certificate names another host). !!!',
    );
  }
  if (globals.redisUrl !== undefined && urlHasPassword(globals.redisUrl)) {
    warnings.push(
      'warning: the password in --redis-url is now in your shell history and visible in the process list; ' +
        'use MANGA_ONCALL_REDIS_PASSWORD or redis.passwordFile in the config instead (and rotate this one if the machine is shared)',
    );
  }
  return warnings;
}

function urlHasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    // Unparsable: the config loader reports it; a `user:pass@` shape still deserves the warning.
    return /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(url);
  }
}
