import type { Config } from '../../config/schema.js';
import { classifyRedisError } from '../../sources/redis-errors.js';
import { resolveRedisTarget } from '../../sources/redis-options.js';
import { withTimeout } from '../../sources/timeout.js';
import type { CheckContext, CheckLine, DoctorCheck } from '../types.js';

/**
 * Redis: connect (TLS handshake, AUTH proven by PING), then on each master (the server, or
 * every master of a cluster) PING and one SCAN page of the session keys: the reads every
 * command needs. On a cluster, and wherever the keys found disagree with `redis.hashTags`,
 * a line on the CROSSSLOT hazard (src/scan/cluster-hazard.ts). Never writes.
 */

function targetName(config: Config): string {
  try {
    return `Redis ${resolveRedisTarget(config.redis).display}`;
  } catch {
    return 'Redis';
  }
}

/** How the connection is secured, without any secret: for the engineer to confirm at a glance. */
function securityOf(config: Config): string {
  const target = resolveRedisTarget(config.redis);
  const tls = !target.tls ? 'no TLS' : config.redis.tls?.insecureSkipVerify ? 'TLS, certificate NOT verified' : 'TLS, certificate verified';
  const hasPassword = Boolean(config.redis.password || config.redis.passwordFile || target.urlPassword);
  const auth = target.username ? `ACL user ${target.username}` : hasPassword ? 'AUTH password' : 'no AUTH';
  return `${tls}, ${auth}`;
}

async function masterLine(node: import('ioredis').Redis, label: string, ctx: CheckContext): Promise<CheckLine> {
  const started = performance.now();
  const pattern = `${ctx.config.redis.keyPrefix}:session:*`;
  try {
    const [, keys] = await withTimeout(
      (async () => {
        await node.ping();
        return (await node.scan('0', 'MATCH', pattern, 'COUNT', 100)) as [string, string[]];
      })(),
      ctx.timeoutMs,
      'redis',
      { what: label },
    );
    return {
      id: `redis.master.${label}`,
      source: 'redis',
      name: `Redis master ${label}`,
      status: 'ok',
      latencyMs: Math.round(performance.now() - started),
      detail: `PING and SCAN allowed (${keys.length ? 'session keys found' : 'no session key in the first SCAN page'})`,
    };
  } catch (err) {
    const e = classifyRedisError(err, { target: label });
    return {
      id: `redis.master.${label}`,
      source: 'redis',
      name: `Redis master ${label}`,
      status: 'fail',
      latencyMs: Math.round(performance.now() - started),
      detail: e.message,
      fix: e.hint,
      error: { kind: e.kind, code: e.errorCode, message: e.message },
    };
  }
}

async function hazardLine(ctx: CheckContext, client: import('../../sources/redis.js').RedisClient, cluster: boolean): Promise<CheckLine | undefined> {
  const { detectCrossSlotHazard } = await import('../../scan/cluster-hazard.js');
  const started = performance.now();
  const h = await detectCrossSlotHazard(ctx.config, client);
  const mismatch = h.observed === 'mixed' || (h.observed === 'plain' && h.hashTags) || (h.observed === 'hash_tagged' && !h.hashTags);
  // On a single server the layout only matters when the keys disagree with the config.
  if (!cluster && !mismatch) return undefined;
  return {
    id: 'redis.crossslot',
    source: 'redis',
    name: 'Redis session key layout',
    status: h.hazard || mismatch ? 'warn' : 'ok',
    latencyMs: Math.round(performance.now() - started),
    detail: h.explanation,
    ...(h.hazard || mismatch
      ? { fix: mismatch ? 'set redis.hashTags to match how the orchestrator writes session ids' : 'write session ids as {<id>} in the orchestrator and set redis.hashTags: true, so a session\'s keys share a slot' }
      : {}),
  };
}

export const redisCheck: DoctorCheck = {
  id: 'redis',
  source: 'redis',
  name: targetName,
  load: () => Promise.all([import('../../sources/redis.js'), import('../../scan/cluster-hazard.js')]),
  async run(ctx) {
    const { createRedis, mastersOf, closeRedis } = await import('../../sources/redis.js');
    const factory = createRedis(ctx.config, { timeoutMs: ctx.timeoutMs, connectionName: 'manga-oncall-doctor' });
    const started = performance.now();
    const client = await factory.connect();
    try {
      const lines: CheckLine[] = [
        {
          id: 'redis',
          source: 'redis',
          name: `Redis ${factory.target}`,
          status: ctx.config.redis.tls?.insecureSkipVerify ? 'warn' : 'ok',
          latencyMs: Math.round(performance.now() - started),
          detail: `connected and authenticated (${securityOf(ctx.config)}${factory.mode === 'cluster' ? ', cluster' : ''})`,
          ...(ctx.config.redis.tls?.insecureSkipVerify ? { fix: 'drop --insecure-skip-verify and set redis.tls.ca to the CA bundle' } : {}),
        },
      ];
      const masters = mastersOf(client);
      const label = (n: (typeof masters)[number]) => `${n.options.host ?? '?'}:${n.options.port ?? '?'}`;
      lines.push(...(await Promise.all(masters.map((m) => masterLine(m, factory.mode === 'cluster' ? label(m) : factory.target, ctx)))));
      if (lines.every((l) => l.status !== 'fail')) {
        const hazard = await hazardLine(ctx, client, factory.mode === 'cluster').catch((err: unknown) => {
          const e = classifyRedisError(err);
          return { id: 'redis.crossslot', source: 'redis', name: 'Redis session key layout', status: 'warn', detail: `not checked: ${e.message}`, fix: e.hint } satisfies CheckLine;
        });
        if (hazard) lines.push(hazard);
      }
      // With a single server, the connection and the master are one line's worth.
      return factory.mode === 'single' ? mergeSingle(lines) : lines;
    } finally {
      await closeRedis(client);
    }
  },
};

/** Single server: fold the master line into the connection line. */
function mergeSingle(lines: CheckLine[]): CheckLine[] {
  const [conn, master, ...rest] = lines;
  if (!conn || !master) return lines;
  if (master.status === 'fail') return [{ ...master, id: conn.id, name: conn.name }, ...rest];
  return [{ ...conn, detail: `${conn.detail}; ${master.detail}` }, ...rest];
}
