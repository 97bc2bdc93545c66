import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { SDK_PACKAGES, iamActionsOf, type SdkPackage } from '../../src/iam/actions.js';
import { AWS_CALL_SITES, READ_ONLY_COMMANDS, WRITE_COMMANDS, type AwsCallSite, type ResourceKind } from '../../src/iam/calls.js';
import { policyAllows } from '../../src/iam/evaluate.js';
import { buildPolicy, signedByEngineer } from '../../src/iam/policy.js';
import { REPO_ROOT } from '../helpers/services.js';

/**
 * The declared table of AWS calls (src/iam/calls.ts) against the code itself: every
 * `new XxxCommand(` and `paginateXxx(` under src/ is found by reading the files, its SDK
 * package is read from the file's imports, and the test fails when the table lacks it,
 * names one that is gone, or when the generated policies do not allow it.
 */

interface FoundCall {
  file: string;
  sdk: SdkPackage;
  command: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const isSdk = (pkg: string): pkg is SdkPackage => (SDK_PACKAGES as readonly string[]).includes(pkg);

/** Local name -> SDK package, from static imports and the dynamic import forms the code uses. */
function sdkImports(text: string): Map<string, string> {
  const names = new Map<string, string>();
  const addList = (list: string, pkg: string) => {
    for (const raw of list.split(',')) {
      const part = raw.trim().replace(/^type\s+/, '');
      if (!part || raw.trim().startsWith('type ')) continue;
      const [imported, local] = part.split(/\s+as\s+|\s*:\s*/).map((s) => s.trim());
      names.set(local ?? imported!, pkg);
    }
  };
  for (const m of text.matchAll(/import\s+(type\s+)?\{([^{}]*)\}\s*from\s*'(@aws-sdk\/[^']+)'/g)) if (!m[1]) addList(m[2]!, m[3]!);
  // `import('@aws-sdk/...')` and the core's `loadSdk('@aws-sdk/...')` (require-based) alike.
  for (const m of text.matchAll(/\{([^{}]*)\}\s*=\s*await\s+(?:import|loadSdk)\(\s*'(@aws-sdk\/[^']+)'\s*\)/g)) addList(m[1]!, m[2]!);
  for (const m of text.matchAll(/\(await\s+(?:import|loadSdk)\(\s*'(@aws-sdk\/[^']+)'\s*\)\)\.(\w+)/g)) names.set(m[2]!, m[1]!);
  // const [{ A }, { B, C }] = await Promise.all([import('x'), import('y')]): pair by position.
  for (const m of text.matchAll(/\[((?:\s*\{[^{}]*\}\s*,?)+)\]\s*=\s*await\s+Promise\.all\(\[([^\]]*)\]\)/g)) {
    const groups = [...m[1]!.matchAll(/\{([^{}]*)\}/g)].map((g) => g[1]!);
    const modules = [...m[2]!.matchAll(/(?:import|loadSdk)\(\s*'([^']+)'\s*\)/g)].map((g) => g[1]!);
    groups.forEach((g, i) => {
      const pkg = modules[i];
      if (pkg?.startsWith('@aws-sdk/')) addList(g, pkg);
    });
  }
  return names;
}

/** Every SDK command and paginator sent under src/, with where it comes from. */
function scanSource(): { found: FoundCall[]; unresolved: string[]; aggregated: string[] } {
  const found: FoundCall[] = [];
  const unresolved: string[] = [];
  const aggregated: string[] = [];
  for (const path of tsFiles(join(REPO_ROOT, 'src'))) {
    const file = relative(REPO_ROOT, path);
    // Comments may name commands (like this file's header): only code counts.
    const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const imports = sdkImports(text);
    const uses = [...text.matchAll(/new\s+([A-Za-z0-9]+Command)\s*\(/g), ...text.matchAll(/\b(paginate[A-Z]\w*)\s*\(/g)].map((m) => m[1]!);
    for (const command of new Set(uses)) {
      const pkg = imports.get(command);
      if (pkg && isSdk(pkg)) found.push({ file, sdk: pkg, command });
      else unresolved.push(`${file}: ${command} (${pkg ?? 'no @aws-sdk import found'})`);
    }
    // Aggregated clients (`new DynamoDB().getItem()`) would send calls no Command names.
    for (const m of text.matchAll(/new\s+(DynamoDB|S3|STS|CloudWatch|CloudWatchLogs|ElastiCache)\s*\(/g)) {
      if (imports.has(m[1]!)) aggregated.push(`${file}: new ${m[1]}(`);
    }
  }
  return { found, unresolved, aggregated };
}

const key = (c: { file: string; sdk: string; command: string }) => `${c.file} ${c.sdk} ${c.command}`;

describe('the declared table of AWS calls matches the code', () => {
  const { found, unresolved, aggregated } = scanSource();

  it('the scan finds the calls (sanity: the scanner itself works)', () => {
    expect(found.length).toBeGreaterThan(20);
    expect(found).toContainEqual({ file: 'src/sources/logs-insights.ts', sdk: '@aws-sdk/client-cloudwatch-logs', command: 'StartQueryCommand' });
    expect(found).toContainEqual({ file: 'src/core/size/compaction.ts', sdk: '@aws-sdk/lib-dynamodb', command: 'PutCommand' });
  });

  it('every Command the code constructs comes from an @aws-sdk package the table knows', () => {
    expect(unresolved).toEqual([]);
    expect(aggregated).toEqual([]);
  });

  it('every AWS call in src/ is declared in src/iam/calls.ts', () => {
    const declared = new Set(AWS_CALL_SITES.map(key));
    const missing = found.filter((c) => !declared.has(key(c))).map(key);
    expect(missing, 'add these to AWS_CALL_SITES with the commands that reach them').toEqual([]);
  });

  it('every declared call is still in the code, and declared once', () => {
    const present = new Set(found.map(key));
    expect(AWS_CALL_SITES.filter((s) => !present.has(key(s))).map(key)).toEqual([]);
    const keys = AWS_CALL_SITES.map(key);
    expect(keys.length).toBe(new Set(keys).size);
  });

  it('every declared call maps to IAM actions (lib-dynamodb wrappers included)', () => {
    for (const s of AWS_CALL_SITES) expect(iamActionsOf(s.sdk, s.command), key(s)).toBeDefined();
    expect(iamActionsOf('@aws-sdk/lib-dynamodb', 'GetCommand')).toEqual(['dynamodb:GetItem']);
    expect(iamActionsOf('@aws-sdk/client-s3', 'HeadObjectCommand')).toEqual(['s3:GetObject']);
    expect(iamActionsOf('@aws-sdk/client-sts', 'GetCallerIdentityCommand')).toEqual([]);
    expect(iamActionsOf('@aws-sdk/lib-dynamodb', 'MysteryCommand')).toBeUndefined();
  });
});

/** A runtime import graph (type-only imports load nothing): is `target` loaded when `entry` runs? */
function reachable(entry: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [resolve(REPO_ROOT, entry)];
  const goal = resolve(REPO_ROOT, target);
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file === goal) return true;
    const text = readFileSync(file, 'utf8');
    const specs = [
      ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!),
    ];
    for (const spec of specs) {
      const next = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(next)) stack.push(next);
    }
  }
  return false;
}

describe("the table's usedBy is true to the import graph", () => {
  it('each call is reachable from the registration of every command said to use it (where that command exists)', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const s of AWS_CALL_SITES) {
      for (const cmd of s.usedBy) {
        const entry = `src/cli/commands/${cmd}.ts`;
        if (!existsSync(join(REPO_ROOT, entry))) continue;
        checked++;
        if (!reachable(entry, s.file)) wrong.push(`${key(s)} is not reachable from ${entry}`);
      }
    }
    expect(wrong).toEqual([]);
    // diagnose, doctor and lab exist today: the check is not vacuous.
    expect(checked).toBeGreaterThan(10);
  });
});

describe('the generated policies cover exactly the declared calls', () => {
  const ACCOUNT = '123456789012';
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/manga-oncall-write`;
  // Names other than the defaults, so a policy that ignores the config cannot pass.
  const config = configSchema.parse({
    aws: { region: 'eu-west-1', writeRoleArn: ROLE },
    names: {
      sessionsTable: 'prod_sessions',
      productsTable: 'prod_products',
      overflowBucket: 'prod-overflow',
      logGroup: '/prod/orchestrator',
      replicationGroup: 'prod-sessions',
      alarms: { sessionErrors: 'a1', routingCount: 'a2', p99Latency: 'a3', validationErrors: 'a4' },
    },
  });
  const readOnly = buildPolicy(config, 'read-only').document;
  const write = buildPolicy(config, 'write').document;

  /** The ARN a call on a kind of resource is evaluated against, written out independently of src/iam/resources.ts. */
  const arnsOf = (kind: ResourceKind, action: string): string[] => {
    if (action === 's3:ListBucket') return ['arn:aws:s3:::prod-overflow'];
    switch (kind) {
      case 'logGroup':
        return [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/prod/orchestrator`];
      case 'alarms':
        return ['a1', 'a2', 'a3', 'a4'].map((a) => `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:${a}`);
      case 'replicationGroup':
        return [`arn:aws:elasticache:eu-west-1:${ACCOUNT}:replicationgroup:prod-sessions`];
      case 'sessionsTable':
        return [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/prod_sessions`];
      case 'productsTable':
        return [`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/prod_products`];
      case 'overflowBucket':
        return ['arn:aws:s3:::prod-overflow'];
      case 'overflowSnapshots':
        return ['arn:aws:s3:::prod-overflow/sessions/s-1/1700000000000.json'];
      case 'itemPreImages':
        return ['arn:aws:s3:::prod-overflow/quarantine/s-1/abc.compact.json'];
      case 'writeRole':
        return [ROLE];
      case 'unscoped':
        return ['*'];
      case 'none':
        return [];
    }
  };

  const uncovered = (doc: typeof readOnly, sites: AwsCallSite[]) =>
    sites.flatMap((s) =>
      [...(iamActionsOf(s.sdk, s.command) ?? []), ...(s.alsoNeeds ?? [])].flatMap((action) =>
        s.resources.flatMap((kind) => arnsOf(kind, action).filter((arn) => !policyAllows(doc, action, arn)).map((arn) => `${key(s)}: ${action} on ${arn}`)),
      ),
    );

  it('the read-only policy allows every call diagnose, scan, inspect and doctor make', () => {
    const sites = AWS_CALL_SITES.filter((s) => s.usedBy.some((c) => READ_ONLY_COMMANDS.includes(c)));
    expect(sites.length).toBeGreaterThan(10);
    expect(uncovered(readOnly, sites)).toEqual([]);
  });

  it('the write policy allows every call fix and undo sign with the role; the read-only one those they sign as the engineer', () => {
    const writers = AWS_CALL_SITES.filter((s) => s.usedBy.some((c) => WRITE_COMMANDS.includes(c)));
    expect(writers.filter((s) => !signedByEngineer(s)).length).toBeGreaterThan(10);
    expect(uncovered(write, writers.filter((s) => !signedByEngineer(s)))).toEqual([]);
    expect(uncovered(readOnly, writers.filter(signedByEngineer))).toEqual([]);
    expect(AWS_CALL_SITES.filter((s) => s.sdk === '@aws-sdk/client-sts').every(signedByEngineer)).toBe(true);
    expect(policyAllows(readOnly, 'sts:AssumeRole', ROLE)).toBeDefined();
    expect(policyAllows(readOnly, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/admin`)).toBeUndefined();
  });

  it('the read-only policy allows no write at all, on anything', () => {
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 's3:PutObject', 's3:DeleteObject', 'logs:PutLogEvents', 'cloudwatch:PutMetricData', 'cloudwatch:SetAlarmState', 'elasticache:ModifyReplicationGroup']) {
      for (const arn of ['*', `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/prod_sessions`, 'arn:aws:s3:::prod-overflow/sessions/x', 'arn:aws:s3:::prod-overflow/quarantine/x']) {
        expect(policyAllows(readOnly, action, arn), `${action} on ${arn}`).toBeUndefined();
      }
    }
  });

  it('neither policy grants more than the calls need: no wildcard actions, no other tables or buckets, no reads the writer does not make', () => {
    for (const doc of [readOnly, write]) {
      for (const st of doc.Statement) {
        for (const a of st.Action) expect(a).not.toMatch(/\*/);
        if (st.Resource.includes('*')) expect(st.Action.every((a) => /^(logs:GetQueryResults|logs:StopQuery|cloudwatch:GetMetricData|elasticache:DescribeEvents|kms:Decrypt|kms:GenerateDataKey)$/.test(a)), st.Sid).toBe(true);
      }
      expect(policyAllows(doc, 'dynamodb:GetItem', `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/other`)).toBeUndefined();
      expect(policyAllows(doc, 's3:GetObject', 'arn:aws:s3:::other-bucket/sessions/x')).toBeUndefined();
      // Defaults do not leak in when the config renames things.
      expect(JSON.stringify(doc)).not.toContain('manga_sessions');
    }
    expect(policyAllows(write, 'logs:StartQuery', `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/prod/orchestrator`)).toBeUndefined();
    expect(policyAllows(write, 'cloudwatch:DescribeAlarms', `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:a1`)).toBeUndefined();
    expect(policyAllows(write, 'sts:AssumeRole', ROLE)).toBeUndefined();
  });

  it('KMS rights are limited to calls through S3 in the region', () => {
    const st = readOnly.Statement.find((s) => s.Action.includes('kms:Decrypt'));
    expect(st?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    expect(policyAllows(readOnly, 'kms:GenerateDataKey', '*')).toBeUndefined();
    expect(policyAllows(write, 'kms:GenerateDataKey', '*')?.conditional).toBe(true);
  });

  it('Sids are unique within each document (IAM rejects duplicates)', () => {
    for (const doc of [readOnly, write]) {
      const sids = doc.Statement.map((s) => s.Sid);
      expect(sids.length).toBe(new Set(sids).size);
    }
  });
});
