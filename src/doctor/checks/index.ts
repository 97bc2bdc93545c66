import type { DoctorCheck } from '../types.js';
import { cloudwatchCheck } from './cloudwatch.js';
import { productsTableCheck, sessionsTableCheck } from './dynamodb.js';
import { elasticacheCheck } from './elasticache.js';
import { logsCheck } from './logs.js';
import { redisCheck } from './redis.js';
import { s3Check } from './s3.js';
import { stsCheck } from './sts.js';

/** Every check, in the order its line is printed. Each module loads its SDK client only when run. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  redisCheck,
  logsCheck,
  cloudwatchCheck,
  elasticacheCheck,
  sessionsTableCheck,
  productsTableCheck,
  s3Check,
  stsCheck,
];
