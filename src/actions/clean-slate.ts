import { redisRepairAction } from './redis-repair.js';
import { loadsWithoutRecovery } from './scenario1-checks.js';

/**
 * clean-slate (scenario 1, last resort): quarantine and delete the session's turns, backup,
 * state, routes and pin; the lock is left to its holder. The user starts a new conversation.
 */
export const cleanSlate = redisRepairAction({
  name: 'clean-slate',
  scenario: 1,
  description: 'start the session afresh: quarantine and delete turns, backup, state, routes and pin',
  touchesTurns: true,
  repairFor: async () => ({ action: 'clean-slate' }),
  extraChecks: async (env, id) => [await loadsWithoutRecovery(env, id, ['empty'])],
});
