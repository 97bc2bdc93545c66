import { compactionAction } from './item-compaction.js';

/**
 * compact (scenario 4): the whole history to S3 first, then the DynamoDB item keeps the 10
 * newest turns and a summary (fewer turns when 10 would not fit under the safe size).
 */
export const compact = compactionAction('compact', 'move all but the newest 10 turns out of the DynamoDB item (full history to S3 first)');
