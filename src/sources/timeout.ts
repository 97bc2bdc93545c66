import { classifyAwsError, type AwsErrorContext } from './classify-aws.js';
import { SOURCE_LABEL, SourceError, type SourceName } from './errors.js';

/** Work that can be told to stop: the SDK's `client.send(cmd, { abortSignal })` is one. */
export type AbortableWork<T> = (signal: AbortSignal) => Promise<T>;

/** Builds the `timeout` error every adapter throws when its source is too slow. */
export function timeoutError(source: SourceName, ms: number, what?: string): SourceError {
  return new SourceError({
    source,
    kind: 'timeout',
    message: `${SOURCE_LABEL[source]}${what ? ` ${what}` : ''}: no answer within ${ms} ms`,
    hint: `${SOURCE_LABEL[source]} is slow or unreachable: check the endpoint and the network path, or raise --timeout`,
  });
}

/**
 * Settles with `work`, or rejects with a `timeout` {@link SourceError} after `ms`. When
 * `work` is a function it receives an AbortSignal that fires at the deadline, so the
 * underlying request is cancelled rather than left running. An outer `signal` (e.g. the
 * engineer pressing Ctrl-C) aborts the work too and rejects with its reason.
 */
export function withTimeout<T>(
  work: Promise<T> | AbortableWork<T>,
  ms: number,
  source: SourceName,
  opts: { what?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const controller = new AbortController();
  const outer = opts.signal;
  if (outer?.aborted) return Promise.reject(outer.reason);
  let timer: NodeJS.Timeout | undefined;
  let onOuterAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeoutError(source, ms, opts.what);
      controller.abort(err);
      reject(err);
    }, ms);
    if (outer) {
      onOuterAbort = () => {
        controller.abort(outer.reason);
        reject(outer.reason);
      };
      outer.addEventListener('abort', onOuterAbort, { once: true });
    }
  });
  let running: Promise<T>;
  try {
    running = typeof work === 'function' ? work(controller.signal) : work;
  } catch (err) {
    running = Promise.reject(err);
  }
  // race() subscribes to both, so the work's late rejection (AbortError) is never unhandled.
  return Promise.race([running, deadline]).finally(() => {
    clearTimeout(timer);
    if (outer && onOuterAbort) outer.removeEventListener('abort', onOuterAbort);
  });
}

/**
 * Runs AWS SDK work under the source timeout and classifies whatever it throws. `send`
 * may make several requests (paging, polling): they share the one deadline and signal, so
 * the whole operation ends within `timeoutMs`, e.g.
 * `callAws('logs', ms, (signal) => client.send(cmd, { abortSignal: signal }))`.
 */
export async function callAws<T>(
  source: SourceName,
  timeoutMs: number,
  send: AbortableWork<T>,
  ctx: AwsErrorContext & { signal?: AbortSignal } = {},
): Promise<T> {
  try {
    return await withTimeout(send, timeoutMs, source, { what: ctx.what, signal: ctx.signal });
  } catch (err) {
    throw classifyAwsError(source, err, ctx);
  }
}
