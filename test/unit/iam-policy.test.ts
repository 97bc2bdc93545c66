import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ITEM_PREIMAGE_PREFIX as CORE_PREIMAGE_PREFIX } from '../../src/core/items/item-preimage.js';
import { overflowKey } from '../../src/core/size/index.js';
import { isWriteAction } from '../../src/iam/actions.js';
import { allowedActions, policyAllows } from '../../src/iam/evaluate.js';
import { buildPolicy } from '../../src/iam/policy.js';
import { ITEM_PREIMAGE_PREFIX, OVERFLOW_PREFIX, arnContext } from '../../src/iam/resources.js';

/** The policy builder's own decisions: ARN context, the write role, notes, and the evaluator. */
describe('iam-policy documents', () => {
  it('the account comes from --account, else the write role, else any; the partition follows the region', () => {
    expect(arnContext(configSchema.parse({}))).toEqual({ partition: 'aws', region: 'us-east-1', account: '*' });
    expect(arnContext(configSchema.parse({ aws: { writeRoleArn: 'arn:aws:iam::210987654321:role/w' } })).account).toBe('210987654321');
    expect(arnContext(configSchema.parse({ aws: { writeRoleArn: 'arn:aws:iam::210987654321:role/w' } }), '123456789012').account).toBe('123456789012');
    expect(arnContext(configSchema.parse({ aws: { region: 'cn-north-1' } })).partition).toBe('aws-cn');
    expect(arnContext(configSchema.parse({ aws: { region: 'us-gov-west-1' } })).partition).toBe('aws-us-gov');
  });

  it('without a write role there is no AssumeRole, and the notes say the engineer needs both documents', () => {
    const p = buildPolicy(configSchema.parse({}), 'read-only');
    expect(allowedActions(p.document)).not.toContain('sts:AssumeRole');
    expect(p.notes.join('\n')).toContain('no write role is configured');
    expect(p.notes.join('\n')).toContain('no account id is known');
    const w = buildPolicy(configSchema.parse({}), 'write');
    expect(w.attachTo).toContain('better: a role they assume');
  });

  it('with a write role the read-only document may assume exactly that role, and the write document names it', () => {
    const role = 'arn:aws:iam::123456789012:role/oncall-write';
    const config = configSchema.parse({ aws: { writeRoleArn: role } });
    const ro = buildPolicy(config, 'read-only');
    expect(ro.document.Statement.find((s) => s.Sid === 'AssumeWriteRole')).toEqual({ Sid: 'AssumeWriteRole', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [role] });
    expect(buildPolicy(config, 'write').attachTo).toContain(role);
  });

  it('the S3 prefixes in the policy are the ones the core writes under', () => {
    expect(ITEM_PREIMAGE_PREFIX).toBe(CORE_PREIMAGE_PREFIX);
    expect(overflowKey('s-1', 1700000000000).startsWith(OVERFLOW_PREFIX)).toBe(true);
  });

  it('the read-only document holds no action that changes anything', () => {
    const actions = allowedActions(buildPolicy(configSchema.parse({ aws: { writeRoleArn: 'arn:aws:iam::123456789012:role/w' } }), 'read-only').document);
    expect(actions.filter(isWriteAction)).toEqual([]);
    expect(actions).toContain('logs:StartQuery');
    expect(actions).toContain('logs:StopQuery');
    expect(isWriteAction('dynamodb:PutItem')).toBe(true);
    expect(isWriteAction('logs:StartQuery')).toBe(false);
  });

  it('the evaluator matches IAM wildcards: actions case-insensitively, resources exactly', () => {
    const doc = { Version: '2012-10-17' as const, Statement: [{ Sid: 'A', Effect: 'Allow' as const, Action: ['s3:Get*'], Resource: ['arn:aws:s3:::b/sessions/*'] }] };
    expect(policyAllows(doc, 's3:getobject', 'arn:aws:s3:::b/sessions/x/1.json')).toEqual({ sid: 'A', conditional: false });
    expect(policyAllows(doc, 's3:GetObject', 'arn:aws:s3:::b/quarantine/x')).toBeUndefined();
    expect(policyAllows(doc, 's3:PutObject', 'arn:aws:s3:::b/sessions/x')).toBeUndefined();
    expect(policyAllows(doc, 's3:GetObject', 'arn:aws:s3:::B/sessions/x')).toBeUndefined();
  });
});
