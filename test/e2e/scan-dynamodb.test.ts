/**
 * `manga-oncall scan dynamodb` on the built binary against dynalite: sizes and the sessions
 * over the threshold, segments, flags checked first, and the AWS SDK's Node-version warning
 * kept off the user's terminal.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/services.js';
import { startSessionsTable, type SessionsTable } from '../integration/scan-dynamo-fixtures.js';

let t: SessionsTable;
let configFile: string;
const dir = mkdtempSync(join(tmpdir(), 'mo-scan-ddb-'));
const env = { XDG_CONFIG_HOME: dir };

beforeAll(async () => {
  t = await startSessionsTable(200);
  configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ aws: { region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'y', endpoints: { dynamodb: t.dynamo.endpoint } } }));
});
afterAll(async () => t?.stop());

const scan = (...args: string[]) => runCli(['scan', 'dynamodb', '--config', configFile, ...args], { env });

describe('manga-oncall scan dynamodb', () => {
  it('names the sessions over the threshold and the one over the limit: exit 3, one JSON document', async () => {
    const r = await scan('--json', '--segments', '4');
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ command: 'scan dynamodb', totalSegments: 4, items: 204, overLimit: 1, thresholdBytes: 389_120 });
    expect(doc.overThreshold.count).toBe(4);
    expect(doc.overThreshold.largest[0].sessionId).toBe('ja-1');
  });

  it('--segment i/N scans one part; the parts add up to the table', async () => {
    const parts = await Promise.all([0, 1, 2].map((i) => scan('--json', '--segment', `${i}/3`)));
    const items = parts.map((p) => JSON.parse(p.stdout).items as number);
    expect(items.reduce((a, b) => a + b, 0)).toBe(204);
    expect(JSON.parse(parts[1]!.stdout).segmentsScanned).toEqual([1]);
  });

  it('text output: the headroom histogram, the largest sessions, the RCU consumed under a budget', async () => {
    const r = await scan('--max-rcu', '500', '--threshold', '390KB');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^300-400 KB\s+200\s+#+$/m);
    expect(r.stdout).toMatch(/^ja-1\s+/m);
    expect(r.stdout).toMatch(/consumed [\d.]+ RCU \(reported\), budget 500 RCU\/s/);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    for (const args of [['--segment', '4/4'], ['--segment', '0/2', '--segments', '2'], ['--threshold', 'big'], ['--max-rcu', '0']]) {
      const r = await scan('--json', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('BAD_OPTION');
    }
  });

  it("the SDK's NodeVersionSupportWarning never reaches the terminal, though the SDK would print it on this Node", async () => {
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...bare } = process.env;
    const r = await runCli(['scan', 'dynamodb', '--config', configFile, '--json'], { env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    // Control: the same SDK call in a bare node process does print it (Node < 22), so the check above can fail.
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) {
      // Async: dynalite answers from this very process, which a synchronous spawn would block.
      const script = `const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');
        new DynamoDBClient({ region: 'us-east-1', endpoint: ${JSON.stringify(t.dynamo.endpoint)}, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
          .send(new ListTablesCommand({})).finally(() => process.exit(0));`;
      const control = await promisify(execFile)(process.execPath, ['-e', script], { cwd: REPO_ROOT, env: bare, timeout: 30_000 });
      expect(control.stderr).toContain('NodeVersionSupportWarning');
    }
  });
});
