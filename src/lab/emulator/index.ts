/**
 * The lab's AWS emulator: CloudWatch Logs, CloudWatch, ElastiCache and STS over their real wire
 * protocols on one loopback port, with fault injection and an admin API under `/_lab/`.
 */
export { startEmulator, type CallRecord, type EmulatorOptions, type RunningEmulator } from './server.js';
export type { WireProtocol } from './protocols/codec.js';
export { FaultController, FAULT_KINDS, type ActiveFault, type FaultKind, type FaultSpec } from './faults.js';
export { MonitoringService, type Clock } from './monitoring/service.js';
export { ElastiCacheService, EVENT_SOURCE_TYPES, type ElastiCacheEventSeed, type EventSourceType } from './elasticache/service.js';
export { ElastiCacheEventMessages } from './elasticache/event-messages.js';
export type { ReplicationGroupSeed, Endpoint } from './elasticache/replication-groups.js';
export { EmulatorError, type CallerContext, type EmulatedService, type ServiceName } from './types.js';
export { StsService, LAB_ACCOUNT_ID, LAB_BASE_USER_ARN, type IssuedSession } from './sts/service.js';
