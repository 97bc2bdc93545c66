import { compactionAction } from './item-compaction.js';

/**
 * overflow (scenario 4, the seed's step 2): as compact, keeping only the 5 newest turns, for
 * an item still too large after a compaction.
 */
export const overflow = compactionAction('overflow', 'keep only the newest 5 turns in the DynamoDB item (full history to S3 first)');
