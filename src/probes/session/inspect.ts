/**
 * `inspect session <id>` and `fix session <id>` without `--action`: the one-session view of
 * collect.ts (the same as `diagnose --session`), run on its own under one deadline, with a
 * verdict. Never writes.
 */
import type { Config } from '../../config/schema.js';
import type { SessionId } from '../../core/session-id.js';
import { classifyAwsError } from '../../sources/classify-aws.js';
import { isSourceError, type SourceName } from '../../sources/errors.js';
import { classifyRedisError } from '../../sources/redis-errors.js';
import { layoutFromConfig } from '../../sources/redis.js';
import { withTimeout } from '../../sources/timeout.js';
import { createSourcePorts } from '../ports.js';
import { DEFAULT_PROBE_LIMITS, type DiagnosisWindow, type Question } from '../types.js';
import { collectSessionView } from './collect.js';
import type { SessionView } from './types.js';

/** `problem` exits 3, `inconclusive` (a store the verdict needs failed) 4, `healthy` and `absent` 0. */
export type SessionVerdict = 'healthy' | 'problem' | 'inconclusive' | 'absent';

export interface SessionInspectionResult {
  view: SessionView;
  verdict: SessionVerdict;
  exitCode: 0 | 3 | 4;
  /** The Redis TLS warning the CLI must show, if any. */
  warning?: string;
}

/** A failure of a question as its source's typed error, as the diagnosis runner classifies them. */
function classified(source: SourceName, err: unknown): unknown {
  if (isSourceError(err)) return err;
  if (source === 'redis' && err instanceof Error && (err.name === 'ReplyError' || (err as { code?: unknown }).code !== undefined)) return classifyRedisError(err);
  if (source !== 'redis' && err instanceof Error && (err as { $metadata?: unknown }).$metadata !== undefined) return classifyAwsError(source, err);
  return err;
}

export function verdictOf(view: SessionView): { verdict: SessionVerdict; exitCode: 0 | 3 | 4 } {
  if (view.problems.length > 0) return { verdict: 'problem', exitCode: 3 };
  if (view.redis.error !== undefined || view.dynamodb.error !== undefined || view.s3?.error !== undefined) return { verdict: 'inconclusive', exitCode: 4 };
  if (view.authoritative.copy === 'none' && view.redis.status === 'empty' && view.dynamodb.exists === false) return { verdict: 'absent', exitCode: 0 };
  return { verdict: 'healthy', exitCode: 0 };
}

/** Reads one session from every store (each at most `config.timeoutMs`) and judges it. */
export async function inspectSession(config: Config, id: SessionId, opts: { window: DiagnosisWindow; showContent?: boolean }): Promise<SessionInspectionResult> {
  const ports = createSourcePorts(config);
  const controller = new AbortController();
  const env = { config, layout: layoutFromConfig(config), window: opts.window, limits: DEFAULT_PROBE_LIMITS, sources: ports, signal: controller.signal };
  const asked = new Map<string, Promise<unknown>>();
  const ask = <T>(q: Question<T>): Promise<T> => {
    let p = asked.get(q.key) as Promise<T> | undefined;
    if (!p) {
      p = withTimeout((signal) => q.run({ ...env, signal }), config.timeoutMs, q.source, { what: q.key }).catch((err: unknown) => {
        throw classified(q.source, err);
      });
      asked.set(q.key, p);
    }
    return p;
  };
  try {
    const view = await collectSessionView(ask, id, { showContent: opts.showContent === true });
    const warning = ports.redisWarning();
    return { view, ...verdictOf(view), ...(warning ? { warning } : {}) };
  } finally {
    controller.abort();
    await ports.close();
  }
}
