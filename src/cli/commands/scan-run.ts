/**
 * The implementations of `scan redis` and `scan dynamodb`, loaded on demand by scan.ts. Flags
 * are checked before any store is contacted (exit 2); the scanners live in src/scan/ and
 * return report objects that scan-render.ts turns into text.
 */
import { parseIdPrefix } from '../../scan/match.js';
import { parseByteSize } from '../../scan/byte-size.js';
import type { CliContext, CommandResult } from '../context.js';
import { EXIT, ExitError, type ExitCode } from '../exit-codes.js';
import { progressReporter, renderDynamoReport, renderRedisReport } from './scan-render.js';
import { loadSdk } from '../../core/aws-sdk.js';

function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new ExitError(EXIT.USAGE, 'BAD_OPTION', `${flag} ${JSON.stringify(raw)}: expected a whole number >= 1`);
  return n;
}

function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ExitError(EXIT.USAGE, 'BAD_OPTION', `${flag} ${JSON.stringify(raw)}: expected a number > 0`);
  return n;
}

/** Progress on stderr only for a person watching (a TTY) or with --verbose. */
function wantsProgress(ctx: CliContext): boolean {
  return Boolean(process.stderr.isTTY) || ctx.globals.verbose;
}

export async function runScanRedis(ctx: CliContext, opts: { match?: string; limit?: string }): Promise<CommandResult> {
  const idPrefix = opts.match === undefined ? undefined : parseIdPrefix(opts.match);
  const limit = positiveInt('--limit', opts.limit);
  const { config } = ctx.config();
  const [{ createRedis, closeRedis, layoutFromConfig }, { scanRedisFleet }] = await Promise.all([import('../../sources/redis.js'), import('../../scan/redis-fleet.js')]);
  const factory = createRedis(config, { connectionName: 'manga-oncall-scan' });
  if (factory.warning) ctx.io.err(`warning: ${factory.warning}`);
  ctx.io.verbose(`connecting to ${factory.target}`);
  const client = await factory.connect();
  const progress = wantsProgress(ctx) ? progressReporter(process.stderr, 'keys') : null;
  try {
    const report = await scanRedisFleet(client, {
      layout: layoutFromConfig(config),
      ...(idPrefix !== undefined ? { idPrefix } : {}),
      ...(limit !== undefined ? { limit } : {}),
      scanCount: config.redis.scanCount,
      pipelineSize: config.redis.pipelineSize,
      ...(progress ? { onProgress: (p) => progress.update(p.keysScanned, p.keysTotal, `${p.sessions} sessions, ${p.nodesDone}/${p.nodes} nodes done`) } : {}),
    });
    progress?.done();
    // A master that could not be read makes every count a lower bound: inconclusive (4) wins over 3.
    const inconclusive = report.nodes.some((n) => n.status === 'unavailable') || report.unjudged > 0;
    const exitCode: ExitCode = inconclusive ? EXIT.INCONCLUSIVE : report.problems > 0 ? EXIT.PROBLEM_FOUND : EXIT.OK;
    return { exitCode, json: { target: factory.target, ...report }, text: renderRedisReport(report, factory.target, exitCode) };
  } finally {
    progress?.done();
    await closeRedis(client);
  }
}

export async function runScanDynamo(
  ctx: CliContext,
  opts: { segments?: string; segment?: string; threshold: string; maxRcu?: string; top?: string },
): Promise<CommandResult> {
  const { segmentPlan, scanDynamoFleet } = await import('../../scan/dynamo-fleet.js');
  const plan = segmentPlan(opts);
  if (typeof plan === 'string') throw new ExitError(EXIT.USAGE, 'BAD_OPTION', plan);
  const thresholdBytes = parseByteSize(opts.threshold);
  if (thresholdBytes === null || thresholdBytes <= 0) {
    throw new ExitError(EXIT.USAGE, 'BAD_OPTION', `--threshold ${JSON.stringify(opts.threshold)}: expected a size such as 380KB, 0.37MB or 389120`);
  }
  const maxRcu = positiveNumber('--max-rcu', opts.maxRcu);
  const top = positiveInt('--top', opts.top);
  const { config } = ctx.config();
  const [{ DynamoDBClient }, { awsClientOptions }] = await Promise.all([loadSdk('@aws-sdk/client-dynamodb'), import('../../sources/aws-config.js')]);
  const client = new DynamoDBClient(await awsClientOptions(config, 'dynamodb'));
  const progress = wantsProgress(ctx) ? progressReporter(process.stderr, 'items') : null;
  try {
    const report = await scanDynamoFleet(client, {
      table: config.names.sessionsTable,
      ...plan,
      thresholdBytes,
      ...(maxRcu !== undefined ? { maxRcu } : {}),
      ...(top !== undefined ? { top } : {}),
      timeoutMs: config.timeoutMs,
      errorContext: config.aws.profile ? { profile: config.aws.profile } : {},
      ...(progress ? { onProgress: (p) => progress.update(p.items, null, `${p.pages} pages, ${p.consumedRcu} RCU`) } : {}),
    });
    progress?.done();
    const exitCode: ExitCode = report.overThreshold.count > 0 || report.overLimit > 0 ? EXIT.PROBLEM_FOUND : EXIT.OK;
    return { exitCode, json: { ...report }, text: renderDynamoReport(report, exitCode) };
  } finally {
    progress?.done();
    client.destroy();
  }
}
