import { CoreError } from '../core/errors.js';
import { probeFor, type ProbeContext, type ProbeResult, type Question, type QuestionEnv, type TimelineEntry } from '../probes/index.js';
import type { ProbeId } from '../runbooks/index.js';
import { classifyAwsError } from '../sources/classify-aws.js';
import { isSourceError, SourceError, type SourceName } from '../sources/errors.js';
import { classifyRedisError } from '../sources/redis-errors.js';
import { withTimeout } from '../sources/timeout.js';
import type { DiagnoseError, SourceReport } from './types.js';

interface SourceStats {
  /** The longest of its queries, ms: what the source cost the run, since they run concurrently. */
  longest: number;
  queries: number;
  error: SourceError | undefined;
}

/** Any failure of a question, as the source's typed error (a bug in our code stays a bug). */
function asSourceError(source: SourceName, err: unknown): SourceError | undefined {
  if (isSourceError(err)) return err;
  if (source === 'redis' && err instanceof Error && (err.name === 'ReplyError' || (err as { code?: unknown }).code !== undefined)) return classifyRedisError(err);
  if (source !== 'redis' && err instanceof Error && (err as { $metadata?: unknown }).$metadata !== undefined) return classifyAwsError(source, err);
  return undefined;
}

/**
 * Runs a diagnosis's questions and probes: each question once (memoized by key), every one
 * under the one deadline, so a source that hangs costs at most the timeout and never delays
 * the others, which all run at the same time. Probe answers are memoized too; a probe whose
 * source failed answers `unknown` with that source's error, and a probe that throws anything
 * else is a bug, reported in `errors` and answered `unknown` rather than ending the run.
 */
export class DiagnosisRunner {
  private readonly questions = new Map<string, Promise<unknown>>();
  private readonly probes = new Map<ProbeId, Promise<ProbeResult>>();
  private readonly stats = new Map<SourceName, SourceStats>();
  private readonly bugs: DiagnoseError[] = [];

  constructor(
    private readonly env: Omit<QuestionEnv, 'signal'>,
    /** Epoch ms by which every question must have settled. */
    private readonly deadline: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer of a question; rejects with its source's SourceError. */
  ask<T>(q: Question<T>): Promise<T> {
    let p = this.questions.get(q.key) as Promise<T> | undefined;
    if (!p) {
      p = this.run(q);
      // Rejections are consumed by the probes that ask; this keeps an unawaited one quiet.
      p.catch(() => undefined);
      this.questions.set(q.key, p);
    }
    return p;
  }

  /** The text of a question, for evidence. */
  describe(q: Question<unknown>): string {
    return q.describe({ ...this.env, signal: new AbortController().signal });
  }

  /** A probe's result, evaluated at most once. Never rejects. */
  probe(id: ProbeId): Promise<ProbeResult> {
    let p = this.probes.get(id);
    if (!p) {
      p = this.evaluate(id);
      this.probes.set(id, p);
    }
    return p;
  }

  /** Every probe result so far (settled ones), for the timeline. */
  async timeline(): Promise<TimelineEntry[]> {
    const results = await Promise.all(this.probes.values());
    return results.flatMap((r) => r.timeline ?? []);
  }

  /** The sources asked, in a stable order, with their latency and error. */
  sourceReports(): SourceReport[] {
    const order: SourceName[] = ['cloudwatch', 'logs', 'elasticache', 'redis', 'dynamodb', 's3', 'sts'];
    return [...this.stats.entries()]
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([name, s]) => ({
        name,
        status: s.error ? 'error' : 'ok',
        latencyMs: Math.max(0, Math.round(s.longest)),
        queries: s.queries,
        error: s.error ? { code: s.error.errorCode, kind: s.error.kind, message: s.error.message, hint: s.error.hint } : null,
      }));
  }

  /** Failures that are bugs of ours, not of a source. */
  engineErrors(): DiagnoseError[] {
    return [...this.bugs];
  }

  private async run<T>(q: Question<T>): Promise<T> {
    const started = this.now();
    const s = this.stats.get(q.source) ?? { longest: 0, queries: 0, error: undefined };
    s.queries++;
    this.stats.set(q.source, s);
    try {
      const remaining = Math.max(1, this.deadline - started);
      return await withTimeout((signal) => q.run({ ...this.env, signal }), remaining, q.source, { what: q.key });
    } catch (err) {
      const classified = asSourceError(q.source, err);
      if (!classified) throw err;
      s.error ??= classified;
      throw classified;
    } finally {
      s.longest = Math.max(s.longest, this.now() - started);
    }
  }

  private async evaluate(id: ProbeId): Promise<ProbeResult> {
    const ctx: ProbeContext = {
      config: this.env.config,
      window: this.env.window,
      limits: this.env.limits,
      ask: (q) => this.ask(q),
      describe: (q) => this.describe(q),
      probe: (other) => this.probe(other),
    };
    try {
      return await probeFor(id).answer(ctx);
    } catch (err) {
      if (isSourceError(err)) {
        return { status: 'unknown', error: `${err.message}`, evidence: [{ source: err.source, summary: `could not answer: ${err.message}` }] };
      }
      // Data a probe could not make sense of is that probe's problem, not the run's.
      const code = err instanceof CoreError ? err.code : 'INTERNAL';
      const message = `probe ${id} failed: ${(err as Error)?.message ?? String(err)}`;
      this.bugs.push({ source: 'engine', code, message, hint: 'this is a bug in manga-oncall: rerun with --verbose and report it' });
      return { status: 'unknown', error: message, evidence: [{ source: 'engine', summary: message }] };
    }
  }
}
