import { redisRepairAction } from './redis-repair.js';
import { loadsWithoutRecovery } from './scenario1-checks.js';

/**
 * partial-recover (scenario 1): keep the entries of the turns list that are valid turns,
 * byte for byte, and rewrite the backup from them. Refused when no entry is valid.
 */
export const partialRecover = redisRepairAction({
  name: 'partial-recover',
  scenario: 1,
  description: 'keep the valid turns, drop the corrupt entries (both old keys are quarantined)',
  touchesTurns: true,
  repairFor: async () => ({ action: 'partial-recover' }),
  extraChecks: async (env, id) => [await loadsWithoutRecovery(env, id, ['healthy'])],
});
