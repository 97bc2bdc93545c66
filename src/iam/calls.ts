import type { SdkPackage } from './actions.js';

/**
 * Every AWS call the code makes, declared once: where it is sent (file, SDK package and
 * command class), which CLI commands reach it, and which configured resource it touches.
 * `manga-oncall iam-policy` builds its policies from this table, and
 * test/unit/iam-calls.test.ts scans `src/**` for `new XxxCommand(` and `paginateXxx(` and
 * fails when the code sends a command this table lacks (or the table names one the code no
 * longer sends), and when a policy does not allow a declared call. So a new AWS call cannot
 * ship without its permission, and a policy never grants what nothing uses.
 */

/**
 * The commands whose rights a policy is for. `lab` (the lab's seeding and supervisor) and
 * `bench` (`npm run bench`) run against local services only and are in no policy.
 */
export type CliCommand = 'diagnose' | 'scan' | 'inspect' | 'doctor' | 'fix' | 'undo' | 'lab' | 'bench';

/** Commands that only read: their calls make up the read-only (everyday) policy. */
export const READ_ONLY_COMMANDS: readonly CliCommand[] = ['diagnose', 'scan', 'inspect', 'doctor'];
/** Commands that change data: their calls (except the STS ones, made as the engineer) make up the write-role policy. */
export const WRITE_COMMANDS: readonly CliCommand[] = ['fix', 'undo'];

/**
 * What a call is scoped to, resolved against the configuration's names (src/iam/resources.ts).
 * `unscoped` is for operations IAM cannot restrict by resource (Logs Insights results,
 * GetMetricData, ElastiCache DescribeEvents); `none` for calls that need no permission.
 */
export type ResourceKind =
  | 'logGroup'
  | 'alarms'
  | 'replicationGroup'
  | 'sessionsTable'
  | 'productsTable'
  | 'overflowBucket'
  | 'overflowSnapshots'
  | 'itemPreImages'
  | 'writeRole'
  | 'unscoped'
  | 'none';

export interface AwsCallSite {
  /** Path from the repository root. */
  file: string;
  sdk: SdkPackage;
  /** The command class (`StartQueryCommand`), or `paginateXxx` for a paginator. */
  command: string;
  /** The CLI commands that reach this call; empty when nothing calls it yet. */
  usedBy: readonly CliCommand[];
  resources: readonly ResourceKind[];
  /**
   * Permissions the call's answer depends on beyond its own action: S3 answers a GetObject
   * of a missing key with 404 only when ListBucket is allowed too (403 otherwise), and the
   * probes must tell "no snapshot" from "denied".
   */
  alsoNeeds?: readonly string[];
  /**
   * Whose credentials sign it when fix or undo make it: `write-role` (the default: their
   * DynamoDB and S3 clients carry the role's credentials) or `engineer` (a read they make
   * through an ordinary source, and every STS call, which happens before the role exists).
   * Calls of the read-only commands are always the engineer's.
   */
  signedBy?: 'engineer' | 'write-role';
  /** What it is for, in a few words (shown by `iam-policy --explain`). */
  why: string;
}

const LOGS = '@aws-sdk/client-cloudwatch-logs' as const;
const CW = '@aws-sdk/client-cloudwatch' as const;
const EC = '@aws-sdk/client-elasticache' as const;
const DDB = '@aws-sdk/client-dynamodb' as const;
const DOC = '@aws-sdk/lib-dynamodb' as const;
const S3 = '@aws-sdk/client-s3' as const;
const STS = '@aws-sdk/client-sts' as const;

export const AWS_CALL_SITES: readonly AwsCallSite[] = [
  // CloudWatch Logs: Insights queries of the orchestrator's log group.
  { file: 'src/sources/logs-insights.ts', sdk: LOGS, command: 'StartQueryCommand', usedBy: ['diagnose', 'inspect'], resources: ['logGroup'], why: 'Logs Insights queries behind every log probe' },
  { file: 'src/sources/logs-insights.ts', sdk: LOGS, command: 'GetQueryResultsCommand', usedBy: ['diagnose', 'inspect'], resources: ['unscoped'], why: 'polls a query until it completes' },
  { file: 'src/sources/logs-insights.ts', sdk: LOGS, command: 'StopQueryCommand', usedBy: ['diagnose', 'inspect'], resources: ['unscoped'], why: 'cancels a query that ran past --timeout' },
  { file: 'src/sources/logs-insights.ts', sdk: LOGS, command: 'FilterLogEventsCommand', usedBy: ['fix'], resources: ['logGroup'], signedBy: 'engineer', why: '`fix fleet --scenario 3`: sessions whose tool calls failed in the window' },
  { file: 'src/doctor/checks/logs.ts', sdk: LOGS, command: 'StartQueryCommand', usedBy: ['doctor'], resources: ['logGroup'], why: 'doctor: a query over the last minute proves the right diagnose needs' },
  { file: 'src/doctor/checks/logs.ts', sdk: LOGS, command: 'StopQueryCommand', usedBy: ['doctor'], resources: ['unscoped'], why: 'doctor: stops that query at once' },
  // CloudWatch: the alarms that start every flowchart, and metric windows.
  { file: 'src/sources/cloudwatch.ts', sdk: CW, command: 'DescribeAlarmsCommand', usedBy: ['diagnose', 'doctor'], resources: ['alarms'], why: 'alarm states (the first box of each flowchart)' },
  { file: 'src/sources/cloudwatch.ts', sdk: CW, command: 'GetMetricDataCommand', usedBy: ['diagnose'], resources: ['unscoped'], why: 'metric windows (SessionErrors, RoutingCount, p99 latency)' },
  // ElastiCache: failover events of the replication group.
  { file: 'src/sources/elasticache.ts', sdk: EC, command: 'DescribeEventsCommand', usedBy: ['diagnose'], resources: ['unscoped'], why: 'failover and maintenance events in the window (scenario 1)' },
  { file: 'src/sources/elasticache.ts', sdk: EC, command: 'DescribeReplicationGroupsCommand', usedBy: ['doctor'], resources: ['replicationGroup'], why: 'doctor: the replication group exists and is readable' },
  // DynamoDB: sessions and the catalog.
  { file: 'src/sources/dynamodb.ts', sdk: DOC, command: 'GetCommand', usedBy: ['diagnose', 'inspect'], resources: ['sessionsTable'], why: "one session's item (--session, inspect)" },
  { file: 'src/sources/dynamodb.ts', sdk: DOC, command: 'ScanCommand', usedBy: [], resources: ['sessionsTable'], why: 'DynamoSource.scanSessions: no command calls it yet' },
  { file: 'src/doctor/checks/dynamodb.ts', sdk: DOC, command: 'ScanCommand', usedBy: ['doctor'], resources: ['sessionsTable', 'productsTable'], why: 'doctor: a one-item page of each table proves read access' },
  { file: 'src/sources/dynamodb.ts', sdk: DOC, command: 'BatchGetCommand', usedBy: [], resources: ['productsTable'], why: 'DynamoSource.getProducts: no command calls it (the catalog sends its own)' },
  { file: 'src/probes/dynamodb/long-sessions.ts', sdk: DOC, command: 'ScanCommand', usedBy: ['diagnose'], resources: ['sessionsTable'], why: 'long and old sessions (scenario 4)' },
  { file: 'src/probes/catalog/questions.ts', sdk: DOC, command: 'ScanCommand', usedBy: ['diagnose'], resources: ['productsTable'], why: 'catalog titles for the grounding check (scenario 3)' },
  { file: 'src/scan/dynamo-fleet.ts', sdk: DDB, command: 'ScanCommand', usedBy: ['scan', 'fix'], resources: ['sessionsTable'], why: '`scan dynamodb` (item sizes against the 400 KB limit, read-capacity budgeted) and `fix fleet --scenario 4` (the items to compact or overflow)' },
  { file: 'src/core/grounding/catalog.ts', sdk: DOC, command: 'ScanCommand', usedBy: ['fix'], resources: ['productsTable'], why: 'catalog title index (flag-review)' },
  { file: 'src/core/grounding/catalog.ts', sdk: DOC, command: 'BatchGetCommand', usedBy: ['fix'], resources: ['productsTable'], why: 'catalog products a check resolves (flag-review)' },
  { file: 'src/core/size/compaction.ts', sdk: DOC, command: 'PutCommand', usedBy: ['fix'], resources: ['sessionsTable'], why: 'writes the compacted item (compact, overflow)' },
  { file: 'src/core/size/compaction.ts', sdk: DOC, command: 'GetCommand', usedBy: ['fix'], resources: ['sessionsTable'], why: 'reads the item to compact and verifies it after' },
  { file: 'src/core/items/review-mark.ts', sdk: DOC, command: 'UpdateCommand', usedBy: ['fix', 'undo'], resources: ['sessionsTable'], why: 'sets or clears the review mark (flag-review)' },
  { file: 'src/core/items/item-restore.ts', sdk: DOC, command: 'GetCommand', usedBy: ['undo'], resources: ['sessionsTable'], why: 'reads the item undo compares with the audit record' },
  { file: 'src/core/items/item-restore.ts', sdk: DOC, command: 'PutCommand', usedBy: ['undo'], resources: ['sessionsTable'], why: 'puts the pre-image item back' },
  { file: 'src/core/items/item-restore.ts', sdk: DOC, command: 'DeleteCommand', usedBy: ['undo'], resources: ['sessionsTable'], why: 'removes an item the fix created' },
  // S3: overflow snapshots (sessions/) and item pre-images (quarantine/), SSE aws:kms.
  { file: 'src/sources/s3.ts', sdk: S3, command: 'GetObjectCommand', usedBy: ['diagnose', 'inspect'], resources: ['overflowSnapshots'], alsoNeeds: ['s3:ListBucket'], why: "a session's overflow history snapshot" },
  { file: 'src/doctor/checks/s3.ts', sdk: S3, command: 'GetObjectCommand', usedBy: ['doctor'], resources: ['overflowSnapshots'], alsoNeeds: ['s3:ListBucket'], why: 'doctor: a missing key answers NoSuchKey only with both rights' },
  { file: 'src/sources/s3.ts', sdk: S3, command: 'PutObjectCommand', usedBy: [], resources: ['overflowSnapshots'], why: 'S3Source.putJson: no command calls it (fix writes through the core)' },
  { file: 'src/core/size/overflow-store.ts', sdk: S3, command: 'PutObjectCommand', usedBy: ['fix'], resources: ['overflowSnapshots'], why: 'the full history before compaction (overflow, compact)' },
  { file: 'src/core/size/overflow-store.ts', sdk: S3, command: 'GetObjectCommand', usedBy: ['fix'], resources: ['overflowSnapshots'], why: 'reads the snapshot back to verify it' },
  { file: 'src/core/size/overflow-store.ts', sdk: S3, command: 'ListObjectsV2Command', usedBy: ['fix'], resources: ['overflowSnapshots'], why: "the session's existing snapshots (an identical one is reused)" },
  { file: 'src/core/size/overflow-store.ts', sdk: S3, command: 'HeadObjectCommand', usedBy: ['fix'], resources: ['overflowSnapshots'], why: 'is the snapshot already there (idempotent retry)' },
  { file: 'src/core/items/item-preimage.ts', sdk: S3, command: 'PutObjectCommand', usedBy: ['fix'], resources: ['itemPreImages'], why: "the item's pre-image before a fix changes it" },
  { file: 'src/core/items/item-preimage.ts', sdk: S3, command: 'GetObjectCommand', usedBy: ['undo'], resources: ['itemPreImages'], why: 'the pre-image undo restores' },
  { file: 'src/core/items/item-restore.ts', sdk: S3, command: 'DeleteObjectCommand', usedBy: ['undo'], resources: ['overflowSnapshots'], why: 'removes the snapshot the undone fix created' },
  // STS: who is acting, and the write role. Sent with the engineer's own credentials.
  { file: 'src/sources/sts.ts', sdk: STS, command: 'GetCallerIdentityCommand', usedBy: ['doctor', 'fix', 'undo'], resources: ['none'], signedBy: 'engineer', why: 'the identity doctor shows and the audit record names' },
  { file: 'src/sources/sts.ts', sdk: STS, command: 'AssumeRoleCommand', usedBy: ['fix', 'undo'], resources: ['writeRole'], signedBy: 'engineer', why: 'the write role, held only for the fix (aws.writeRoleArn)' },
  // The lab's seeding and supervisor: local emulators only, never production.
  { file: 'src/lab/seed/writers/dynamo.ts', sdk: DDB, command: 'DescribeTableCommand', usedBy: ['lab'], resources: ['sessionsTable', 'productsTable'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/dynamo.ts', sdk: DDB, command: 'DeleteTableCommand', usedBy: ['lab'], resources: ['sessionsTable', 'productsTable'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/dynamo.ts', sdk: DDB, command: 'CreateTableCommand', usedBy: ['lab'], resources: ['sessionsTable', 'productsTable'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/dynamo.ts', sdk: DOC, command: 'BatchWriteCommand', usedBy: ['lab'], resources: ['sessionsTable', 'productsTable'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/logs.ts', sdk: LOGS, command: 'CreateLogGroupCommand', usedBy: ['lab'], resources: ['logGroup'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/logs.ts', sdk: LOGS, command: 'CreateLogStreamCommand', usedBy: ['lab'], resources: ['logGroup'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/logs.ts', sdk: LOGS, command: 'PutLogEventsCommand', usedBy: ['lab'], resources: ['logGroup'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/metrics.ts', sdk: CW, command: 'PutMetricAlarmCommand', usedBy: ['lab'], resources: ['alarms'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/metrics.ts', sdk: CW, command: 'PutMetricDataCommand', usedBy: ['lab'], resources: ['unscoped'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/s3.ts', sdk: S3, command: 'HeadBucketCommand', usedBy: ['lab'], resources: ['overflowBucket'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/s3.ts', sdk: S3, command: 'CreateBucketCommand', usedBy: ['lab'], resources: ['overflowBucket'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/s3.ts', sdk: S3, command: 'ListObjectsV2Command', usedBy: ['lab'], resources: ['overflowBucket'], why: 'lab seed' },
  { file: 'src/lab/seed/writers/s3.ts', sdk: S3, command: 'DeleteObjectCommand', usedBy: ['lab'], resources: ['overflowSnapshots'], why: 'lab seed' },
  { file: 'src/bench/scan.ts', sdk: DDB, command: 'CreateTableCommand', usedBy: ['bench'], resources: ['sessionsTable'], why: 'benchmark fixture on dynalite' },
  { file: 'src/bench/scan.ts', sdk: DDB, command: 'BatchWriteItemCommand', usedBy: ['bench'], resources: ['sessionsTable'], why: 'benchmark fixture on dynalite' },
  { file: 'src/lab/supervisor/signals.ts', sdk: CW, command: 'DescribeAlarmsCommand', usedBy: ['lab'], resources: ['alarms'], why: 'lab demo: signals of the seeded lab' },
  { file: 'src/lab/supervisor/signals.ts', sdk: LOGS, command: 'FilterLogEventsCommand', usedBy: ['lab'], resources: ['logGroup'], why: 'lab demo: signals of the seeded lab' },
  { file: 'src/lab/supervisor/signals.ts', sdk: DDB, command: 'ScanCommand', usedBy: ['lab'], resources: ['sessionsTable'], why: 'lab demo: signals of the seeded lab' },
];
