import type { CacheEvent } from '../../sources/elasticache.js';
import { answered, plural, type ProbeDefinition, type Question, type QuestionEnv } from '../types.js';

/**
 * How far before the window events are read: a failover precedes the corruption it causes,
 * so an incident whose first errors open the window still finds its failover.
 */
export const FAILOVER_LOOKBACK_MS = 15 * 60_000;

/** Events of the replication group and of its member clusters (`<group>-001`...). */
export const replicationGroupEvents: Question<{ events: CacheEvent[]; truncated: boolean }> = {
  key: 'elasticache.events',
  source: 'elasticache',
  describe: (env) => `DescribeEvents StartTime=${new Date(env.window.start - FAILOVER_LOOKBACK_MS).toISOString()} (replication group ${env.config.names.replicationGroup} and its nodes)`,
  async run(env: QuestionEnv) {
    const group = env.config.names.replicationGroup;
    const out = await (await env.sources.elasticache()).describeEvents({ start: new Date(env.window.start - FAILOVER_LOOKBACK_MS), end: new Date(env.window.end) });
    const mine = out.events.filter((e) => e.sourceId === group || e.sourceId.startsWith(`${group}-`));
    return { events: mine, truncated: out.truncated };
  },
};

export type CacheEventKind = 'failover' | 'maintenance' | 'other';

/**
 * ElastiCache events carry no type field, only the message ElastiCache writes, so the kind is
 * read from its documented wording ("Failover from primary node ... completed", "Test Failover
 * API called", "Recovering cache nodes", service updates, patching, reboots).
 */
export function cacheEventKind(message: string): CacheEventKind {
  if (/fail ?over/i.test(message)) return 'failover';
  if (/maintenance|service update|patch|reboot|restart|recover|replac|engine version|upgrad|modif/i.test(message)) return 'maintenance';
  return 'other';
}

/**
 * Scenario 1, node F ("Check Redis cluster events"): a failover or maintenance of the
 * replication group in the window (and the 15 minutes before it) explains partial writes;
 * none points to a concurrent-write race in the application.
 */
export const failoverEvents: ProbeDefinition = {
  id: 'elasticache.failover_events',
  sources: ['elasticache'],
  namesAffected: false,
  async answer(ctx) {
    const { events } = await ctx.ask(replicationGroupEvents);
    const query = ctx.describe(replicationGroupEvents);
    const kinds = events.map((e) => ({ ...e, kind: cacheEventKind(e.message) }));
    const relevant = kinds.filter((e) => e.kind !== 'other');
    const group = ctx.config.names.replicationGroup;
    if (relevant.length === 0) {
      return answered('none', [{ source: 'elasticache', summary: `no failover or maintenance event for ${group}${events.length ? ` (${plural(events.length, 'other event')})` : ''}`, query }]);
    }
    const outcome = relevant.some((e) => e.kind === 'failover') ? 'failover' : 'maintenance';
    const lead = relevant.find((e) => e.kind === outcome) ?? relevant[0]!;
    const when = lead.date ? ` at ${lead.date.toISOString().slice(11, 19)}Z` : '';
    const rows = relevant.map((e) => ({ date: e.date?.toISOString(), sourceId: e.sourceId, kind: e.kind, message: e.message }));
    return answered(outcome, [{ source: 'elasticache', summary: `${lead.sourceId}: "${lead.message}"${when}${relevant.length > 1 ? ` (+${plural(relevant.length - 1, 'related event')})` : ''}`, data: { events: rows }, query }], {
      timeline: relevant.filter((e) => e.date).map((e) => ({ at: e.date!.getTime(), source: 'elasticache' as const, what: `${e.sourceId}: ${e.message}` })),
    });
  },
};
