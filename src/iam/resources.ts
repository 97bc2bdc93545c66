import type { Config } from '../config/schema.js';
import type { ResourceKind } from './calls.js';

/**
 * ARNs of the configured resources, for the `Resource` of each policy statement. The
 * account is the one given, else the write role's, else `*` (any account: still scoped to
 * the resource names, and valid in a policy); the partition follows the region (`aws-cn`,
 * `aws-us-gov`) unless the write role's ARN says otherwise.
 */
export interface ArnContext {
  partition: string;
  region: string;
  account: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\//;

function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The partition, region and account the policy's ARNs are written for. */
export function arnContext(config: Config, account?: string): ArnContext {
  const role = config.aws.writeRoleArn ? ROLE_ARN.exec(config.aws.writeRoleArn) : null;
  return {
    partition: role?.[1] ?? partitionOfRegion(config.aws.region),
    region: config.aws.region,
    account: account ?? role?.[2] ?? '*',
  };
}

/** The S3 key prefixes fix writes under (src/core/size/overflow-store.ts, src/core/items/item-preimage.ts). */
export const OVERFLOW_PREFIX = 'sessions/';
export const ITEM_PREIMAGE_PREFIX = 'quarantine/';

/**
 * The ARNs an action on a kind of resource is scoped to. `s3:ListBucket` is a bucket
 * action, so object kinds resolve to their bucket for it. `unscoped` is `*`: IAM offers no
 * resource-level permission for those operations. Returns [] for `none` (no permission).
 */
export function resourceArns(kind: ResourceKind, action: string, config: Config, ctx: ArnContext): string[] {
  const { partition: p, region: r, account: a } = ctx;
  const n = config.names;
  const bucket = `arn:${p}:s3:::${n.overflowBucket}`;
  if (action === 's3:ListBucket' && (kind === 'overflowSnapshots' || kind === 'itemPreImages' || kind === 'overflowBucket')) return [bucket];
  switch (kind) {
    case 'logGroup':
      // FilterLogEvents and StartQuery are authorised on the group; `:*` covers its streams.
      return [`arn:${p}:logs:${r}:${a}:log-group:${n.logGroup}`, `arn:${p}:logs:${r}:${a}:log-group:${n.logGroup}:*`];
    case 'alarms':
      return Object.values(n.alarms).map((name) => `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`);
    case 'replicationGroup':
      return [`arn:${p}:elasticache:${r}:${a}:replicationgroup:${n.replicationGroup}`];
    case 'sessionsTable':
      return [`arn:${p}:dynamodb:${r}:${a}:table/${n.sessionsTable}`];
    case 'productsTable':
      return [`arn:${p}:dynamodb:${r}:${a}:table/${n.productsTable}`];
    case 'overflowBucket':
      return [bucket];
    case 'overflowSnapshots':
      return [`${bucket}/${OVERFLOW_PREFIX}*`];
    case 'itemPreImages':
      return [`${bucket}/${ITEM_PREIMAGE_PREFIX}*`];
    case 'writeRole':
      return config.aws.writeRoleArn ? [config.aws.writeRoleArn] : [];
    case 'unscoped':
      return ['*'];
    case 'none':
      return [];
  }
}

/** Object kinds stored with SSE `aws:kms`: reading needs kms:Decrypt, writing kms:GenerateDataKey. */
export function isKmsEncrypted(kind: ResourceKind): boolean {
  return kind === 'overflowSnapshots' || kind === 'itemPreImages';
}
