import { inspectSessionLock } from '../core/locking/index.js';
import { redisRepairAction } from './redis-repair.js';

/**
 * release-lock (scenario 5): delete a session lock nobody will release (no expiry: its holder
 * died). A live lease is refused, saying who holds it and for how long, unless `--force`.
 * Compare-and-delete on the token shown in the plan: a lock re-acquired since is left alone.
 */
export const releaseLock = redisRepairAction({
  name: 'release-lock',
  scenario: 5,
  description: 'release a stale session lock (no expiry); a live holder needs --force',
  touchesTurns: false,
  async repairFor(env, id, opts) {
    const lock = await inspectSessionLock(await env.redis(), id, { layout: env.layout });
    return { action: 'release-lock', observedToken: lock.token, allowLive: opts.force === true };
  },
  async extraChecks(env, id, plan) {
    const lock = await inspectSessionLock(await env.redis(), id, { layout: env.layout });
    const observed = (plan.state as { repair: { observedToken?: string | null } }).repair.observedToken;
    const ok = lock.status === 'absent' || lock.token !== observed;
    return [{ name: 'lock released', ok, detail: lock.status === 'absent' ? 'no lock' : ok ? 'a new holder has taken the lock since' : 'the released lock is still there' }];
  },
});
