import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS, runCli } from '../helpers/services.js';
import { labPorts, portClosed, processGone, type LabJson } from './lab-cli-helpers.js';

// The built binary (npm test builds first), with the user's own config kept away.
const cfgHome = mkdtempSync(join(tmpdir(), 'mo-cfg-'));
const env = { XDG_CONFIG_HOME: cfgHome };
const dir = mkdtempSync(join(tmpdir(), 'mo-lab-'));
const lab = (...args: string[]) => runCli(['lab', ...args, '--dir', dir], { env });

afterAll(async () => {
  // Whatever a failed assertion left running goes now.
  await lab('down');
  rmSync(dir, { recursive: true, force: true });
  rmSync(cfgHome, { recursive: true, force: true });
});

async function redisKeys(url: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

async function dynamoTables(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

describe('lab up, status, seed and down on the built binary', () => {
  let up: LabJson;

  it('lab up starts every service in a background supervisor and writes the config and state files', async () => {
    const r = await lab('up', '--json');
    expect(r.code, r.stderr).toBe(0);
    up = JSON.parse(r.stdout) as LabJson;
    expect(up.command).toBe('lab up');
    expect(up.alreadyRunning).toBe(false);
    expect(up.dir).toBe(dir);
    expect(up.configPath).toBe(join(dir, 'config.json'));
    expect(existsSync(join(dir, 'lab.json'))).toBe(true);
    expect(up.pids.redis).toEqual(expect.any(Number));
    expect(processGone(up.pids.supervisor)).toBe(false);
    expect(processGone(up.pids.redis as number)).toBe(false);
    for (const port of labPorts(up)) expect(await portClosed(port)).toBe(false);
    expect(up.endpoints.redisUrl).toBe(`redis://127.0.0.1:${up.ports.redis}`);
    // Progress goes to stderr, never into the JSON document.
    expect(r.stderr).toContain('supervisor');
  });

  it('a second lab up says a lab is already running and starts nothing', async () => {
    const r = await lab('up');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already running');
    const again = JSON.parse((await lab('up', '--json')).stdout) as LabJson;
    expect(again.alreadyRunning).toBe(true);
    expect(again.pids).toEqual(up.pids);
    expect(again.ports).toEqual(up.ports);
  });

  it('lab status reports each service up and exits 0', async () => {
    const r = await lab('status', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { running: boolean; allUp: boolean; services: Array<{ service: string; up: boolean }> };
    expect(doc.running).toBe(true);
    expect(doc.allUp).toBe(true);
    expect(doc.services.map((s) => [s.service, s.up])).toEqual([
      ['redis', true],
      ['dynamodb', true],
      ['s3', true],
      ['emulator', true],
    ]);
  });

  it('a command pointed at the lab config shows the lab endpoints', async () => {
    const r = await runCli(['config', 'show', '--json', '--config', up.configPath], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { config: { redis: { url: string }; aws: { region: string; endpoints: Record<string, string>; s3ForcePathStyle: boolean } } };
    expect(doc.config.redis.url).toBe(up.endpoints.redisUrl);
    expect(doc.config.aws.endpoints).toEqual({
      logs: up.endpoints.emulator,
      cloudwatch: up.endpoints.emulator,
      elasticache: up.endpoints.emulator,
      dynamodb: up.endpoints.dynamodb,
      s3: up.endpoints.s3,
      sts: up.endpoints.emulator,
    });
    expect(doc.config.aws.s3ForcePathStyle).toBe(true);
    // The lab's secret key is redacted like any other.
    expect(r.stdout).not.toMatch(/"secretAccessKey": "(?!\*\*\*)/);
  });

  it('lab seed with a bad value exits 2 with a clear message and writes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--scenario', '7'], /--scenario takes all, none, or scenario numbers 1\.\.5/],
      [['--scenario', '1;2'], /--scenario/],
      [['--sessions', 'lots'], /--sessions must be a whole number/],
      [['--sessions', '1e3'], /--sessions must be a whole number/],
      [['--sessions', '100001'], /--sessions must be between 0 and 100000/],
      [['--variant', '1=nope'], /scenario 1 has no variant "nope"/],
      [['--scenario', '2', '--variant', '1=no-event'], /not being seeded/],
    ];
    for (const [args, message] of cases) {
      const r = await lab('seed', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const json = await lab('seed', '--scenario', '9', '--json');
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('BAD_OPTION');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    expect(await redisKeys(up.endpoints.redisUrl)).toBe(0);
    expect(await dynamoTables(up.endpoints.dynamodb)).toEqual([]);
  });

  it('lab seed seeds the lab through its endpoints and writes the manifest', async () => {
    const r = await lab('seed', '--scenario', '1', '--sessions', '20', '--variant', '1=no-event', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { manifestPath: string; manifest: { scenarios: Array<{ scenario: number; variant: string; affectedSessions: string[] }>; background: { sessions: number } } };
    expect(doc.manifestPath).toBe(join(dir, 'manifest.json'));
    expect(JSON.parse(readFileSync(doc.manifestPath, 'utf8'))).toEqual(doc.manifest);
    expect(doc.manifest.background.sessions).toBe(20);
    expect(doc.manifest.scenarios.map((s) => [s.scenario, s.variant])).toEqual([[1, 'no-event']]);
    expect(await redisKeys(up.endpoints.redisUrl)).toBeGreaterThan(0);
    expect(await dynamoTables(up.endpoints.dynamodb)).toEqual(expect.arrayContaining(['manga_sessions', 'manga_products']));
  });

  it('lab down stops everything it started: no process, no port, no state file', async () => {
    const r = await lab('down', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { wasRunning: boolean; leftovers: string[]; supervisor: { outcome: string } };
    expect(doc.wasRunning).toBe(true);
    expect(doc.leftovers).toEqual([]);
    expect(doc.supervisor.outcome).toBe('terminated');
    expect(processGone(up.pids.supervisor)).toBe(true);
    expect(processGone(up.pids.redis as number)).toBe(true);
    for (const port of labPorts(up)) expect(await portClosed(port)).toBe(true);
    for (const file of ['lab.json', 'config.json', 'manifest.json', 'data']) expect(existsSync(join(dir, file)), file).toBe(false);
    // The log stays for the post-mortem.
    expect(readFileSync(join(dir, 'supervisor.log'), 'utf8')).toContain('shutting down (SIGTERM)');
  });

  it('with nothing running, lab down says so and exits 0, lab status exits 4 and lab seed refuses', async () => {
    const down = await lab('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('no lab is running');
    const status = await lab('status', '--json');
    expect(status.code).toBe(4);
    expect((JSON.parse(status.stdout) as { running: boolean }).running).toBe(false);
    const seed = await lab('seed', '--sessions', '5');
    expect(seed.code).toBe(4);
    expect(seed.stderr).toContain('no lab is running');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });
});
