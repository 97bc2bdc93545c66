import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startRedis } from '../helpers/services.js';
import { portClosed, type LabJson } from './lab-cli-helpers.js';

const cfgHome = mkdtempSync(join(tmpdir(), 'mo-cfg-'));
const env = { XDG_CONFIG_HOME: cfgHome };
const dirs: string[] = [];

function labDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mo-lab-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) {
    await runCli(['lab', 'down', '--dir', dir], { env });
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(cfgHome, { recursive: true, force: true });
});

async function labUp(dir: string, ...extra: string[]): Promise<LabJson> {
  const r = await runCli(['lab', 'up', '--dir', dir, '--json', ...extra], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LabJson;
}

describe('lab up refusals and an existing Redis', () => {
  it('without redis-server on PATH: exit 2, naming the package to install, nothing started', async () => {
    const dir = labDir();
    const r = await runCli(['lab', 'up', '--dir', dir], { env: { ...env, PATH: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('redis-server was not found on PATH');
    expect(r.stderr).toContain('apt-get install -y redis-server');
    expect(existsSync(join(dir, 'lab.json'))).toBe(false);
    expect(existsSync(join(dir, 'supervisor.log'))).toBe(false);
  });

  it('a --redis-url off loopback is refused with exit 2 before anything starts', async () => {
    const dir = labDir();
    const r = await runCli(['lab', 'up', '--dir', dir, '--redis-url', 'redis://10.20.30.40:6379', '--json'], { env });
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as { error: { code: string; message: string } }).error.message).toContain('loopback');
    expect(existsSync(join(dir, 'lab.json'))).toBe(false);
  });

  it('with --redis-url the lab uses that Redis, and lab down leaves it running', async () => {
    const redis = await startRedis();
    try {
      const dir = labDir();
      const up = await labUp(dir, '--redis-url', redis.server.url);
      expect(up.pids.redis).toBeNull();
      expect(up.endpoints.redisUrl).toBe(redis.server.url);
      const status = await runCli(['lab', 'status', '--dir', dir], { env });
      expect(status.code).toBe(0);
      const down = await runCli(['lab', 'down', '--dir', dir, '--json'], { env });
      expect(down.code).toBe(0);
      expect((JSON.parse(down.stdout) as { redis: unknown }).redis).toBeNull();
      expect(await redis.client().ping()).toBe('PONG');
      for (const port of [up.ports.dynamodb, up.ports.s3, up.ports.emulator]) expect(await portClosed(port)).toBe(true);
    } finally {
      await redis.stop();
    }
  });
});
