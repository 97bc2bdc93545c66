import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/cli/failure.js';
import { EXIT_CODE_BY_KIND, SourceError, oneLine } from '../../src/sources/errors.js';
import { callAws, withTimeout } from '../../src/sources/timeout.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('withTimeout', () => {
  it('settles with the work when it finishes first', async () => {
    expect(await withTimeout(Promise.resolve(42), 1000, 'redis')).toBe(42);
    expect(await withTimeout(async (signal) => (signal.aborted ? 'aborted' : 'ran'), 1000, 'redis')).toBe('ran');
  });

  it('passes the work its own failure, untouched', async () => {
    const boom = new Error('boom');
    expect(await rejection(withTimeout(Promise.reject(boom), 1000, 'redis'))).toBe(boom);
    // A function that throws synchronously rejects too, instead of escaping.
    expect(
      await rejection(
        withTimeout(
          () => {
            throw boom;
          },
          1000,
          'redis',
        ),
      ),
    ).toBe(boom);
  });

  it('rejects with a timeout SourceError and aborts the work through its signal', async () => {
    let seen: AbortSignal | undefined;
    const err = await rejection(
      withTimeout(
        (signal) => {
          seen = signal;
          return sleep(60_000, undefined, { signal });
        },
        20,
        'dynamodb',
        { what: 'GetItem manga_sessions' },
      ),
    );
    expect(err).toBeInstanceOf(SourceError);
    const e = err as SourceError;
    expect(e.kind).toBe('timeout');
    expect(e.source).toBe('dynamodb');
    expect(e.errorCode).toBe('DYNAMODB_TIMEOUT');
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain('GetItem manga_sessions');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(err);
  });

  it('an outer signal cancels the work with its own reason', async () => {
    const outer = new AbortController();
    const reason = new Error('engineer pressed Ctrl-C');
    let seen: AbortSignal | undefined;
    const pending = withTimeout(
      (signal) => {
        seen = signal;
        return sleep(60_000, undefined, { signal });
      },
      60_000,
      'logs',
      { signal: outer.signal },
    );
    outer.abort(reason);
    expect(await rejection(pending)).toBe(reason);
    expect(seen?.aborted).toBe(true);
    // An already-aborted signal never starts the work.
    let started = false;
    const again = withTimeout(
      async () => {
        started = true;
      },
      1000,
      'logs',
      { signal: outer.signal },
    );
    expect(await rejection(again)).toBe(reason);
    expect(started).toBe(false);
  });
});

describe('callAws', () => {
  it('classifies what the work throws and keeps timeouts as they are', async () => {
    const named = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const throttled = await rejection(callAws('logs', 1000, () => Promise.reject(named)));
    expect((throttled as SourceError).kind).toBe('throttled');
    const slow = await rejection(callAws('cloudwatch', 10, (signal) => sleep(60_000, undefined, { signal })));
    expect((slow as SourceError).kind).toBe('timeout');
    expect((slow as SourceError).source).toBe('cloudwatch');
  });
});

describe('SourceError', () => {
  it('maps configuration-type kinds to exit 2 and unavailable-source kinds to exit 4', () => {
    for (const kind of ['auth_failed', 'access_denied', 'tls', 'invalid_request', 'not_found'] as const) expect(EXIT_CODE_BY_KIND[kind]).toBe(2);
    for (const kind of ['timeout', 'unreachable', 'throttled', 'unavailable', 'unknown'] as const) expect(EXIT_CODE_BY_KIND[kind]).toBe(4);
  });

  it('carries what run-command needs, and its JSON has no cause or stack', () => {
    const cause = new Error('secret-bearing detail');
    const e = new SourceError({ source: 'elasticache', kind: 'unreachable', message: 'a\n  b', hint: 'check it', cause });
    expect(e.message).toBe('a b');
    expect(e.errorCode).toBe('ELASTICACHE_UNREACHABLE');
    expect(e.cause).toBe(cause);
    expect(JSON.stringify(e)).not.toContain('secret-bearing');
    expect(e.toJSON()).toEqual({ source: 'elasticache', kind: 'unreachable', code: 'ELASTICACHE_UNREACHABLE', message: 'a b', hint: 'check it' });
    expect(new SourceError({ source: 'redis', kind: 'unknown', message: 'm', hint: 'h', exitCode: 1 }).exitCode).toBe(1);
  });

  it('reaches the CLI as its exit code, code and hint', () => {
    const e = new SourceError({ source: 'redis', kind: 'auth_failed', message: 'Redis h:1: authentication failed', hint: 'check redis.username/password' });
    expect(classifyFailure(e)).toEqual({ exitCode: 2, code: 'REDIS_AUTH_FAILED', message: 'Redis h:1: authentication failed', hint: 'check redis.username/password' });
  });

  it('oneLine shortens long text', () => {
    expect(oneLine('x'.repeat(500), 20)).toBe(`${'x'.repeat(17)}...`);
  });
});
