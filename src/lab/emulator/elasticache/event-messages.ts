/**
 * ElastiCache event messages, worded as ElastiCache writes them in DescribeEvents (from
 * the ElastiCache user guide's TestFailover event sequence and the API's documented
 * examples), so a lab incident reads like a production one and a probe that matches on
 * them is tested against realistic text.
 */
export const ElastiCacheEventMessages = {
  /** Replication group, at the start of an API-triggered failover. */
  testFailoverCalled: (nodeGroupId: string) => `Test Failover API called for node group ${nodeGroupId}`,
  /** Cache cluster and replication group, when the replica has taken over. */
  failoverComplete: (primaryNode: string, replicaNode: string) => `Failover from primary node ${primaryNode} to replica node ${replicaNode} completed`,
  /** Cache cluster (the old primary), while it is rebuilt as a replica. */
  recoveringCacheNodes: (nodeIds: readonly string[]) => `Recovering cache nodes ${nodeIds.join(',')}`,
  finishedRecovery: (nodeIds: readonly string[]) => `Finished recovery for cache nodes ${nodeIds.join(',')}`,
  cacheClusterCreated: () => 'Cache cluster created',
  addedCacheNode: (nodeId: string, zone: string) => `Added cache node ${nodeId} in availability zone ${zone}`,
  snapshotSucceeded: (snapshot: string, replicationGroupId: string) =>
    `Snapshot succeeded for snapshot with ID '${snapshot}' of replication group with ID '${replicationGroupId}'`,
} as const;
