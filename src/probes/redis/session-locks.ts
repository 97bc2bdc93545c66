import { affectedOf, answered, plural, type ProbeDefinition } from '../types.js';
import { fleetScan } from './fleet-scan.js';

/**
 * Scenario 5, node C ("Concurrent Session Access Confirmed"): the session lock keys, who holds
 * them and for how long. A lock with no expiry is stale (its holder is gone and nobody will
 * release it: `release-lock` applies); a live lease ends by itself and must be left alone.
 */
export const sessionLocks: ProbeDefinition = {
  id: 'redis.session_locks',
  sources: ['redis'],
  namesAffected: true,
  async answer(ctx) {
    const scan = await ctx.ask(fleetScan);
    const query = ctx.describe(fleetScan);
    if (scan.locks.length === 0) return answered('none', [{ source: 'redis', summary: 'no session holds a lock key', query }]);
    const stale = scan.locks.filter((l) => l.status === 'no_expiry');
    const live = scan.locks.filter((l) => l.status === 'live');
    const odd = scan.locks.filter((l) => l.status === 'wrong_type');
    const longest = live.reduce((m, l) => Math.max(m, l.remainingMs ?? 0), 0);
    const parts = [`${stale.length} with no expiry (holder gone: release-lock applies)`, `${live.length} live${live.length ? ` (longest lease ${Math.round(longest / 1000)} s left)` : ''}`];
    if (odd.length) parts.push(`${odd.length} of the wrong type`);
    const sample = scan.locks.slice(0, 10).map((l) => ({
      sessionId: l.sessionId,
      status: l.status,
      remainingMs: l.remainingMs,
      holder: l.holder ? { host: l.holder.host, pid: l.holder.pid, acquiredAt: l.holder.acquiredAt } : null,
    }));
    return answered('found', [{ source: 'redis', summary: `${plural(scan.locks.length, 'session lock')}: ${parts.join(', ')}`, data: { stale: stale.length, live: live.length, wrongType: odd.length, sample }, query }], {
      affected: affectedOf(scan.locks.map((l) => l.sessionId), ctx.limits.maxAffectedIds),
    });
  },
};
