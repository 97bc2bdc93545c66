import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, labUp } from '../../src/lab/supervisor/client.js';
import { withDirLock } from '../../src/lab/supervisor/dir-lock.js';
import { LabError } from '../../src/lab/supervisor/errors.js';
import { probeLab } from '../../src/lab/supervisor/health.js';
import { isLabRedis, isLabSupervisor } from '../../src/lab/supervisor/processes.js';
import { startLabServices } from '../../src/lab/supervisor/services.js';
import { LAB_STATE_SCHEMA_VERSION, labPaths, readLabState, removeLabStateIfOurs, writeLabState, type LabState } from '../../src/lab/supervisor/state.js';
import { eventually, labPorts, portClosed, processGone } from '../e2e/lab-cli-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'mo-labsup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dirOf = (name: string) => join(scratch, name);

const sampleState = (labId: string, dir: string): LabState => ({
  schemaVersion: LAB_STATE_SCHEMA_VERSION,
  labId,
  dir,
  startedAt: new Date(0).toISOString(),
  supervisor: { pid: 4242 },
  redis: { pid: 4343, port: 6390, external: false },
  ports: { redis: 6390, dynamodb: 7001, s3: 7002, emulator: 7003 },
  endpoints: { redisUrl: 'redis://127.0.0.1:6390', dynamodb: 'http://127.0.0.1:7001', s3: 'http://127.0.0.1:7002', emulator: 'http://127.0.0.1:7003' },
});

describe('the lab services (in process)', () => {
  it('start on free loopback ports, answer the health probes, and stop without leaving a port or a process', async () => {
    const running = await startLabServices({ dataDir: dirOf('services') });
    let stopped = false;
    try {
      const health = await probeLab(running.endpoints);
      expect(health.map((h) => [h.service, h.up])).toEqual([
        ['redis', true],
        ['dynamodb', true],
        ['s3', true],
        ['emulator', true],
      ]);
      const pid = running.redis.pid as number;
      expect(isLabRedis(pid, running.ports.redis)).toBe(true);
      // A pid is ours only with the exact port: a prefix of it or another port is not.
      expect(isLabRedis(pid, running.ports.redis + 1)).toBe(false);
      expect(isLabRedis(pid, Number(String(running.ports.redis).slice(0, -1)))).toBe(false);
      expect(isLabRedis(process.pid, running.ports.redis)).toBe(false);

      await running.stop();
      stopped = true;
      expect(processGone(pid)).toBe(true);
      for (const port of labPorts(running)) expect(await portClosed(port)).toBe(true);
      const after = await probeLab(running.endpoints, 500);
      expect(after.every((h) => !h.up && h.error === 'ECONNREFUSED')).toBe(true);
    } finally {
      if (!stopped) await running.stop();
    }
  });

  it('an existing Redis that does not answer is a start failure, and nothing else is left started', async () => {
    const closedPort = 1; // tcpmux: nothing listens there on a test machine
    await expect(startLabServices({ dataDir: dirOf('bad-redis'), redisUrl: `redis://127.0.0.1:${closedPort}` })).rejects.toMatchObject({ code: 'START_FAILED' });
  });
});

describe('the state file', () => {
  it('round-trips, tells an absent file from an unreadable one, and is removed only by its own lab', () => {
    const paths = labPaths(dirOf('state'));
    expect(readLabState(paths.state)).toEqual({ kind: 'absent' });
    const state = sampleState('lab-aaaaaaaa', paths.dir);
    writeLabState(paths.state, state);
    expect(readLabState(paths.state)).toEqual({ kind: 'present', state });
    expect(removeLabStateIfOurs(paths.state, 'lab-bbbbbbbb')).toBe(false);
    expect(readLabState(paths.state).kind).toBe('present');
    expect(removeLabStateIfOurs(paths.state, 'lab-aaaaaaaa')).toBe(true);
    expect(readLabState(paths.state)).toEqual({ kind: 'absent' });

    writeFileSync(paths.state, '{"schemaVersion": 1, "labId": ');
    expect(readLabState(paths.state).kind).toBe('invalid');
    writeFileSync(paths.state, JSON.stringify({ ...state, ports: { redis: 0 } }));
    const read = readLabState(paths.state);
    expect(read.kind === 'invalid' && read.reason).toContain('ports');
  });

  it('defaults to .manga-oncall under the working directory', () => {
    expect(labPaths(undefined, '/srv/app').dir).toBe('/srv/app/.manga-oncall');
    expect(labPaths('lab', '/srv/app').config).toBe('/srv/app/lab/config.json');
  });
});

describe('the lab directory lock', () => {
  it('refuses while another live process holds it, and takes over the lock of a dead one', async () => {
    const lock = join(dirOf('lock'), 'lab.lock');
    // Held by this very process (a lab up still running in it): BUSY.
    await withDirLock(lock, 'lab up', async () => {
      await expect(withDirLock(lock, 'lab down', async () => 'ran')).rejects.toMatchObject({ code: 'BUSY' });
    });
    // Held by a process that has exited: taken over.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(lock, String(child.pid));
    expect(await withDirLock(lock, 'lab up', async () => readFileSync(lock, 'utf8'))).toBe(String(process.pid));
    // Held by a live process (init): BUSY, with the owner named.
    writeFileSync(lock, '1');
    const err = await withDirLock(lock, 'lab up', async () => 'ran').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toContain('pid 1');
    rmSync(lock);
  });
});

describe('the supervisor process (dist/lab/supervisor/main.js)', () => {
  it('shuts down with its redis-server when its state file is replaced by another lab', async () => {
    const dir = dirOf('replaced');
    const up = await labUp({ dir });
    try {
      expect(up.alreadyRunning).toBe(false);
      expect(isLabSupervisor(up.state.supervisor.pid, up.paths.dir)).toBe(true);
      expect(isLabSupervisor(up.state.supervisor.pid, dirOf('elsewhere'))).toBe(false);
      const status = await labStatus({ dir });
      expect(status.running && status.allUp).toBe(true);

      writeLabState(up.paths.state, { ...up.state, labId: 'another-lab-id' });
      const pids = [up.state.supervisor.pid, up.state.redis.pid as number];
      expect(await eventually(() => pids.every(processGone))).toBe(true);
      for (const port of labPorts(up.state)) expect(await portClosed(port)).toBe(true);
      // The other lab's file is not the supervisor's to remove.
      expect(readLabState(up.paths.state)).toMatchObject({ kind: 'present', state: { labId: 'another-lab-id' } });
      expect(readFileSync(up.paths.log, 'utf8')).toContain('belongs to another lab');
    } finally {
      rmSync(up.paths.state, { force: true });
      await labDown({ dir });
    }
  });
});
