import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/services.js';
import { eventually, labPorts, portClosed, processGone } from './lab-cli-helpers.js';

// The demo makes its lab under the OS temp dir: TMPDIR points it at one of this file's own.
const cfgHome = mkdtempSync(join(tmpdir(), 'mo-cfg-'));
const demoTmp = mkdtempSync(join(tmpdir(), 'mo-demo-'));
const env = { XDG_CONFIG_HOME: cfgHome, TMPDIR: demoTmp };

afterAll(async () => {
  // A failed test may have left a demo lab: take each one down.
  for (const name of existsSync(demoTmp) ? readdirSync(demoTmp) : []) await runCli(['lab', 'down', '--dir', join(demoTmp, name)], { env });
  rmSync(demoTmp, { recursive: true, force: true });
  rmSync(cfgHome, { recursive: true, force: true });
});

interface DemoJson {
  lab: { pids: { supervisor: number; redis: number }; ports: { redis: number; dynamodb: number; s3: number; emulator: number } };
  seeded: Array<{ scenario: number; affectedSessions: number }>;
  expectedAlarms: Record<string, string>;
  tornDown: boolean;
  diagnose: { available: false } | { available: true; allFound: boolean; checks: Array<{ scenario: number; found: boolean }>; failedSources: unknown[] };
  signals: null | {
    alarms: { ok: true; value: Array<{ name: string; state: string; expected: string }> };
    logEvents: { ok: true; value: Record<string, number> };
    sessions: { ok: true; value: { corrupt: number } };
    items: { ok: true; value: { overLimit: number; nearLimit: number } };
  };
}

describe('lab demo on the built binary', () => {
  it('starts its own lab, seeds the five incidents, checks them and takes the lab down', async () => {
    // A generous per-source timeout: this machine is shared; diagnose's speed is the benchmark's business.
    const r = await runCli(['lab', 'demo', '--sessions', '30', '--timeout', '20s', '--json'], { env, timeoutMs: 120_000 });
    const doc = JSON.parse(r.stdout) as DemoJson;
    expect(doc.seeded.map((s) => s.scenario)).toEqual([1, 2, 3, 4, 5]);
    if (doc.diagnose.available) {
      // With diagnose built, the demo is its end-to-end test: every seeded incident found.
      expect(doc.diagnose.checks.filter((c) => !c.found), JSON.stringify(doc.diagnose.failedSources)).toEqual([]);
      expect(r.code).toBe(0);
    } else {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('diagnose is not available');
      const sig = doc.signals!;
      for (const a of sig.alarms.value) expect(a.state, a.name).toBe(doc.expectedAlarms[a.name]);
      expect(sig.alarms.value).toHaveLength(4);
      expect(sig.logEvents.value.session_load_failed).toBeGreaterThan(50);
      expect(sig.logEvents.value.state_write_conflict).toBeGreaterThan(0);
      expect(sig.sessions.value.corrupt).toBe(doc.seeded.find((s) => s.scenario === 1)?.affectedSessions);
      expect(sig.items.value.overLimit).toBeGreaterThan(0);
    }
    expect(doc.tornDown).toBe(true);
    expect(processGone(doc.lab.pids.supervisor)).toBe(true);
    expect(processGone(doc.lab.pids.redis)).toBe(true);
    for (const port of labPorts(doc.lab)) expect(await portClosed(port)).toBe(true);
    expect(readdirSync(demoTmp)).toEqual([]);
  });

  it('Ctrl-C (SIGINT) during the demo takes the lab down, then exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'lab', 'demo', '--sessions', '5000'], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // Interrupt once the lab is up and the seeding has begun.
    const stateFile = () => readdirSync(demoTmp).map((d) => join(demoTmp, d, 'lab.json')).find((f) => existsSync(f));
    expect(await eventually(() => stateFile() !== undefined && stderr.includes('seeding'), 60_000)).toBe(true);
    const state = JSON.parse(readFileSync(stateFile()!, 'utf8')) as { supervisor: { pid: number }; redis: { pid: number }; ports: DemoJson['lab']['ports'] };
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted: taking the lab down');
    expect(processGone(state.supervisor.pid)).toBe(true);
    expect(processGone(state.redis.pid)).toBe(true);
    for (const port of labPorts(state)) expect(await portClosed(port)).toBe(true);
    expect(readdirSync(demoTmp)).toEqual([]);
  });
});
