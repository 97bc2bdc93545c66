import { z } from 'zod';
import type { ElastiCacheService } from './elasticache/service.js';
import { EVENT_SOURCE_TYPES } from './elasticache/service.js';
import { FAULT_KINDS, type FaultController, type FaultKind } from './faults.js';
import type { EmulatedService } from './types.js';

/**
 * The lab's admin API, on the emulator's own port under `/_lab/` (JSON in, JSON out), so a
 * lab running in a background supervisor can be seeded and broken from another process:
 *
 *   GET    /_lab/health                            {status: "ok", services, faults}
 *   POST   /_lab/reset                             forget all data and faults
 *   GET    /_lab/faults                            {faults: [...]}
 *   POST   /_lab/faults                            FaultSpec -> 201 {fault}
 *   DELETE /_lab/faults                            clear all (releases hung requests)
 *   DELETE /_lab/faults/<id>                       clear one
 *   POST   /_lab/elasticache/replication-groups    ReplicationGroupSeed -> 201
 *   POST   /_lab/elasticache/events                event or {events: [...]} -> 201 {added}
 *   POST   /_lab/elasticache/failover              {replicationGroupId, nodeGroupId?, at?} -> {newPrimary}
 */
export interface AdminContext {
  faults: FaultController;
  elasticache: ElastiCacheService;
  services: readonly EmulatedService[];
  reset(): void;
}

export interface AdminReply {
  status: number;
  body: unknown;
}

const serviceName = z.enum(['logs', 'monitoring', 'elasticache', 'sts']);
const when = z.union([z.string(), z.number()]);

const faultSchema = z.strictObject({
  service: serviceName,
  operation: z.string().min(1).optional(),
  kind: z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]]),
  latencyMs: z.number().nonnegative().optional(),
  times: z.number().int().positive().optional(),
  probability: z.number().gt(0).lte(1).optional(),
  status: z.union([z.literal(500), z.literal(503)]).optional(),
});

const eventSchema = z.strictObject({
  sourceId: z.string().min(1),
  sourceType: z.enum(EVENT_SOURCE_TYPES),
  message: z.string().min(1),
  date: when.optional(),
});

const endpointSchema = z.strictObject({ address: z.string().min(1), port: z.number().int().min(1).max(65535) });

const replicationGroupSchema = z.strictObject({
  replicationGroupId: z.string().min(1),
  description: z.string().optional(),
  status: z.string().optional(),
  clusterEnabled: z.boolean().optional(),
  automaticFailover: z.enum(['enabled', 'disabled']).optional(),
  multiAZ: z.enum(['enabled', 'disabled']).optional(),
  endpoint: endpointSchema.optional(),
  shards: z.number().int().min(1).max(500).optional(),
  replicasPerShard: z.number().int().min(0).max(5).optional(),
  cacheNodeType: z.string().optional(),
  engine: z.string().optional(),
  transitEncryptionEnabled: z.boolean().optional(),
  atRestEncryptionEnabled: z.boolean().optional(),
  authTokenEnabled: z.boolean().optional(),
  createdAt: when.optional(),
});

const failoverSchema = z.strictObject({ replicationGroupId: z.string().min(1), nodeGroupId: z.string().optional(), at: when.optional() });

function badRequest(message: string): AdminReply {
  return { status: 400, body: { error: { code: 'BadRequest', message } } };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reply: AdminReply };

function parse<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reply: badRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')) };
}

/** Seeding mistakes (unknown group, bad id) come back as TypeError: answer 400, not 500. */
function attempt(run: () => AdminReply): AdminReply {
  try {
    return run();
  } catch (err) {
    if (err instanceof TypeError) return badRequest(err.message);
    throw err;
  }
}

/** Answers one admin request; `path` starts with `/_lab`. */
export function handleAdmin(method: string, path: string, body: Buffer, ctx: AdminContext): AdminReply {
  let json: unknown = undefined;
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return badRequest('the body is not valid JSON');
    }
  }
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  if (route === 'GET /_lab/health') {
    return { status: 200, body: { status: 'ok', services: ctx.services.map((s) => s.name), faults: ctx.faults.list().length } };
  }
  if (route === 'POST /_lab/reset') {
    ctx.reset();
    return { status: 200, body: { reset: true } };
  }
  if (route === 'GET /_lab/faults') return { status: 200, body: { faults: ctx.faults.list() } };
  if (route === 'POST /_lab/faults') {
    const spec = parse(faultSchema, json);
    if (!spec.ok) return spec.reply;
    return { status: 201, body: { fault: ctx.faults.inject(spec.value) } };
  }
  if (route === 'DELETE /_lab/faults') return { status: 200, body: { cleared: ctx.faults.clear() } };
  const one = /^DELETE \/_lab\/faults\/([^/]+)$/.exec(route);
  if (one) {
    return ctx.faults.remove(decodeURIComponent(one[1] as string))
      ? { status: 200, body: { cleared: 1 } }
      : { status: 404, body: { error: { code: 'NotFound', message: 'no such fault' } } };
  }
  if (route === 'POST /_lab/elasticache/replication-groups') {
    const seed = parse(replicationGroupSchema, json);
    if (!seed.ok) return seed.reply;
    const { createdAt, ...rest } = seed.value;
    return attempt(() => {
      ctx.elasticache.addReplicationGroup({ ...rest, ...(createdAt !== undefined ? { createdAt: new Date(createdAt) } : {}) });
      return { status: 201, body: { replicationGroupId: rest.replicationGroupId } };
    });
  }
  if (route === 'POST /_lab/elasticache/events') {
    const many = typeof json === 'object' && json !== null && 'events' in json;
    const parsed = many ? parse(z.strictObject({ events: z.array(eventSchema) }), json) : parse(eventSchema, json);
    if (!parsed.ok) return parsed.reply;
    const list = 'events' in parsed.value ? parsed.value.events : [parsed.value];
    return attempt(() => {
      list.forEach((e) => ctx.elasticache.addEvent(e));
      return { status: 201, body: { added: list.length } };
    });
  }
  if (route === 'POST /_lab/elasticache/failover') {
    const parsed = parse(failoverSchema, json);
    if (!parsed.ok) return parsed.reply;
    const req = parsed.value;
    return attempt(() => {
      const opts = { ...(req.nodeGroupId ? { nodeGroupId: req.nodeGroupId } : {}), ...(req.at !== undefined ? { at: new Date(req.at) } : {}) };
      return { status: 200, body: { newPrimary: ctx.elasticache.failover(req.replicationGroupId, opts) } };
    });
  }
  return { status: 404, body: { error: { code: 'NotFound', message: `no admin route ${route}` } } };
}
