import { redisRepairAction } from './redis-repair.js';
import { loadsWithoutRecovery } from './scenario1-checks.js';

/**
 * restore-backup (scenario 1): replace a corrupt turns list with the backup key's turns.
 * Refused when the backup is missing, unreadable or empty (the core's precondition).
 */
export const restoreBackup = redisRepairAction({
  name: 'restore-backup',
  scenario: 1,
  description: 'replace a corrupt turns list with the last good backup (the replaced list is quarantined)',
  touchesTurns: true,
  repairFor: async () => ({ action: 'restore-backup' }),
  extraChecks: async (env, id) => [await loadsWithoutRecovery(env, id, ['healthy'])],
});
