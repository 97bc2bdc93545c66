import type { Config } from '../config/schema.js';
import { iamActionsOf } from './actions.js';
import { AWS_CALL_SITES, READ_ONLY_COMMANDS, WRITE_COMMANDS, type AwsCallSite, type ResourceKind } from './calls.js';
import { arnContext, isKmsEncrypted, resourceArns, type ArnContext } from './resources.js';

/**
 * Least-privilege IAM policies built from the declared table of AWS calls (calls.ts):
 *
 * - `read-only`: the engineer's everyday identity. Every call `diagnose`, `scan`, `inspect`
 *   and `doctor` make, plus `sts:AssumeRole` on the write role when one is configured
 *   (fix and undo assume it with these credentials; the role itself holds the writes).
 * - `write`: the role fix and undo assume (`aws.writeRoleArn`). Every DynamoDB and S3 call
 *   they make, reads included, since their clients sign everything with the role; the few
 *   reads they make through ordinary sources (`signedBy: 'engineer'`) and their STS calls
 *   belong to the read-only document.
 *
 * Without a write role the engineer's identity needs both documents.
 */
export type PolicyMode = 'read-only' | 'write';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface BuiltPolicy {
  mode: PolicyMode;
  /** Who the document is for, in words. */
  attachTo: string;
  document: PolicyDocument;
  /** Things the reader must know (account wildcard, KMS key, missing write role). */
  notes: string[];
}

export interface PolicyOptions {
  /** The AWS account id for the ARNs; default: the write role's account, else `*`. */
  account?: string;
  /** The call table; tests pass their own, everyone else the declared one. */
  sites?: readonly AwsCallSite[];
}

const SID_OF: Readonly<Record<ResourceKind, string>> = {
  logGroup: 'OrchestratorLogGroup',
  alarms: 'MangaAssistAlarms',
  replicationGroup: 'SessionReplicationGroup',
  sessionsTable: 'SessionsTable',
  productsTable: 'ProductsTable',
  overflowBucket: 'OverflowBucket',
  overflowSnapshots: 'OverflowSnapshots',
  itemPreImages: 'ItemPreImages',
  writeRole: 'AssumeWriteRole',
  unscoped: 'NoResourceLevelPermissions',
  none: 'None',
};

/** Calls fix and undo make with the engineer's own credentials: STS (before any role exists) and those declared so. */
export function signedByEngineer(site: AwsCallSite): boolean {
  return site.sdk === '@aws-sdk/client-sts' || site.signedBy === 'engineer';
}

/** The (action, resource kind) pairs a mode needs, from the call table. */
export function requiredGrants(mode: PolicyMode, sites: readonly AwsCallSite[] = AWS_CALL_SITES): { action: string; kind: ResourceKind; site: AwsCallSite }[] {
  const grants: { action: string; kind: ResourceKind; site: AwsCallSite }[] = [];
  for (const site of sites) {
    const byReader = site.usedBy.some((c) => READ_ONLY_COMMANDS.includes(c));
    const byWriter = site.usedBy.some((c) => WRITE_COMMANDS.includes(c));
    const writerAsEngineer = byWriter && signedByEngineer(site);
    const asEngineer = byReader || writerAsEngineer;
    const asWriteRole = byWriter && !writerAsEngineer;
    if (mode === 'read-only' ? !asEngineer : !asWriteRole) continue;
    for (const action of [...(iamActionsOf(site.sdk, site.command) ?? []), ...(site.alsoNeeds ?? [])]) {
      for (const kind of site.resources) grants.push({ action, kind, site });
    }
  }
  return grants;
}

/** Builds the policy document for a mode, scoped to the configured resource names. */
export function buildPolicy(config: Config, mode: PolicyMode, opts: PolicyOptions = {}): BuiltPolicy {
  const ctx = arnContext(config, opts.account);
  const notes: string[] = [];
  // Sid -> (resources key -> statement), so each resource set is one statement.
  const statements = new Map<string, PolicyStatement>();
  const add = (sid: string, action: string, resources: string[], condition?: PolicyStatement['Condition']) => {
    if (resources.length === 0) return;
    const key = `${sid}|${resources.join(',')}|${JSON.stringify(condition ?? {})}`;
    let st = statements.get(key);
    if (!st) {
      st = { Sid: sid, Effect: 'Allow', Action: [], Resource: [...resources], ...(condition ? { Condition: condition } : {}) };
      statements.set(key, st);
    }
    if (!st.Action.includes(action)) st.Action.push(action);
  };
  let kmsRead = false;
  let kmsWrite = false;
  for (const { action, kind } of requiredGrants(mode, opts.sites)) {
    if (kind === 'writeRole' && !config.aws.writeRoleArn) continue;
    add(SID_OF[kind] + (action === 's3:ListBucket' ? 'List' : ''), action, resourceArns(kind, action, config, ctx));
    if (isKmsEncrypted(kind) && action === 's3:GetObject') kmsRead = true;
    if (isKmsEncrypted(kind) && action === 's3:PutObject') kmsWrite = true;
  }
  if (kmsRead || kmsWrite) {
    // The objects are SSE aws:kms; S3 calls KMS on the caller's behalf, and only S3 may.
    const actions = [...(kmsRead ? ['kms:Decrypt'] : []), ...(kmsWrite ? ['kms:GenerateDataKey'] : [])];
    for (const action of actions) add('OverflowKmsKey', action, ['*'], { StringEquals: { 'kms:ViaService': `s3.${ctx.region}.amazonaws.com` } });
    notes.push(`the S3 objects are encrypted with SSE aws:kms: ${actions.join(' and ')} ${actions.length > 1 ? 'are' : 'is'} allowed only for calls S3 makes in ${ctx.region}; replace "*" with the key's ARN to narrow it further`);
  }
  for (const st of statements.values()) st.Action.sort();
  const document: PolicyDocument = { Version: '2012-10-17', Statement: [...statements.values()] };
  if (ctx.account === '*') notes.push('no account id is known (pass --account or set aws.writeRoleArn): the ARNs match these names in any account');
  if (mode === 'read-only' && !config.aws.writeRoleArn) {
    notes.push('no write role is configured (aws.writeRoleArn): fix and undo will write with these credentials, which then also need the --write policy');
  }
  const attachTo =
    mode === 'read-only'
      ? 'the on-call engineer\'s everyday identity (diagnose, scan, inspect, doctor)'
      : config.aws.writeRoleArn
        ? `the write role ${config.aws.writeRoleArn} (assumed by fix and undo only); its trust policy must allow the engineer's identity`
        : 'the identity that runs fix and undo (better: a role they assume, aws.writeRoleArn)';
  return { mode, attachTo, document, notes };
}

export type { ArnContext };
