import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/services.js';
import { eventually, labPorts, portClosed, processGone, type LabJson } from './lab-cli-helpers.js';

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

async function crashSupervisor(up: LabJson): Promise<void> {
  process.kill(up.pids.supervisor, 'SIGKILL');
  expect(await eventually(() => processGone(up.pids.supervisor))).toBe(true);
}

describe('a lab whose supervisor was SIGKILLed', () => {
  it('lab status shows it partly down, and lab down still kills the orphaned redis-server', async () => {
    const dir = labDir();
    const up = await labUp(dir);
    const redisPid = up.pids.redis as number;
    await crashSupervisor(up);
    // The orphan: redis-server outlived its parent and still serves.
    expect(processGone(redisPid)).toBe(false);
    expect(await portClosed(up.ports.redis)).toBe(false);

    const status = await runCli(['lab', 'status', '--dir', dir, '--json'], { env });
    expect(status.code).toBe(4);
    const doc = JSON.parse(status.stdout) as { allUp: boolean; supervisor: { alive: boolean }; services: Array<{ service: string; up: boolean }> };
    expect(doc.allUp).toBe(false);
    expect(doc.supervisor.alive).toBe(false);
    expect(doc.services.find((s) => s.service === 'redis')?.up).toBe(true);
    expect(doc.services.find((s) => s.service === 'emulator')?.up).toBe(false);

    const down = await runCli(['lab', 'down', '--dir', dir, '--json'], { env });
    expect(down.code, down.stderr).toBe(0);
    const result = JSON.parse(down.stdout) as { redis: { pid: number; outcome: string }; leftovers: string[] };
    expect(result.redis).toEqual({ pid: redisPid, outcome: 'terminated' });
    expect(result.leftovers).toEqual([]);
    expect(processGone(redisPid)).toBe(true);
    for (const port of labPorts(up)) expect(await portClosed(port)).toBe(true);
    expect(existsSync(join(dir, 'lab.json'))).toBe(false);
  });

  it('lab up cleans up the crashed lab (stale state, orphaned redis-server) and starts a fresh one', async () => {
    const dir = labDir();
    const first = await labUp(dir);
    await crashSupervisor(first);
    const second = await labUp(dir);
    expect(second.alreadyRunning).toBe(false);
    expect(second.pids.supervisor).not.toBe(first.pids.supervisor);
    expect(processGone(first.pids.redis as number)).toBe(true);
    expect(processGone(second.pids.supervisor)).toBe(false);
    const down = await runCli(['lab', 'down', '--dir', dir], { env });
    expect(down.code).toBe(0);
    for (const port of [...labPorts(first), ...labPorts(second)]) expect(await portClosed(port)).toBe(true);
  });

  it('a supervisor whose state file is removed shuts itself down with its redis-server', async () => {
    const dir = labDir();
    const up = await labUp(dir);
    rmSync(join(dir, 'lab.json'));
    expect(await eventually(() => processGone(up.pids.supervisor) && processGone(up.pids.redis as number))).toBe(true);
    for (const port of labPorts(up)) expect(await portClosed(port)).toBe(true);
  });
});
