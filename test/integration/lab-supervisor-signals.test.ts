import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfig } from '../../src/lab/lab-config.js';
import type { SeedManifest } from '../../src/lab/seed/manifest.js';
import { LAB_OVERFLOW_BUCKET } from '../../src/lab/supervisor/services.js';
import { readLabSignals } from '../../src/lab/supervisor/signals.js';
import { seedRunningLab } from '../../src/lab/supervisor/seed.js';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { seedLab } from '../../src/lab/seed/index.js';
import { LocalDynamo, LocalS3, startRedis } from '../helpers/services.js';

// The services in this process: what the demo reads back when diagnose is not built.
let redis: Awaited<ReturnType<typeof startRedis>>;
let dynamo: LocalDynamo;
let s3: LocalS3;
let emulator: RunningEmulator;
let endpoints: { redisUrl: string; dynamodb: string; s3: string; emulator: string };
let manifest: SeedManifest;

beforeAll(async () => {
  redis = await startRedis();
  dynamo = await new LocalDynamo().start();
  s3 = await new LocalS3([LAB_OVERFLOW_BUCKET]).start();
  emulator = await startEmulator();
  endpoints = { redisUrl: redis.server.url, dynamodb: dynamo.endpoint, s3: s3.endpoint, emulator: emulator.endpoint };
  manifest = await seedLab(endpoints, { scenarios: 'all', sessions: 20 });
});

afterAll(async () => {
  await emulator?.stop();
  await s3?.stop();
  await dynamo?.stop();
  await redis?.stop();
});

describe('the demo read-back of a seeded lab', () => {
  it('shows each seeded signal: alarms as expected, error events, corrupt sessions, oversized items', async () => {
    const signals = await readLabSignals(labConfig(endpoints), manifest);
    if (!signals.alarms.ok || !signals.logEvents.ok || !signals.sessions.ok || !signals.items.ok) throw new Error(JSON.stringify(signals));

    expect(signals.alarms.value.map((a) => [a.name, a.state]).sort()).toEqual(Object.entries(manifest.expectedAlarms).sort());
    const s1 = manifest.scenarios.find((s) => s.scenario === 1)!;
    expect(signals.sessions.value.corrupt).toBe(s1.affectedSessions.length);
    expect(signals.sessions.value.scanned).toBeGreaterThanOrEqual(manifest.background.sessions + s1.affectedSessions.length);
    expect(signals.logEvents.value.session_load_failed).toBeGreaterThan(50);
    expect(signals.logEvents.value.session_save_failed).toBeGreaterThan(0);
    expect(signals.logEvents.value.state_write_conflict).toBeGreaterThan(0);
    expect(signals.logEvents.value['tool_call (not ok)']).toBeGreaterThan(0);
    // Measured by DynamoDB's rules: dynalite (UTF-16) let these in; real DynamoDB would not.
    expect(signals.items.value.overLimit).toBeGreaterThan(0);
    expect(signals.items.value.largestBytes).toBeGreaterThan(400 * 1024);
  });

  it('a healthy seed shows no incident signal', async () => {
    const healthy = await seedLab(endpoints, { scenarios: 'none', sessions: 20 });
    const signals = await readLabSignals(labConfig(endpoints), healthy);
    if (!signals.alarms.ok || !signals.logEvents.ok || !signals.sessions.ok || !signals.items.ok) throw new Error(JSON.stringify(signals));
    expect(signals.alarms.value.every((a) => a.state === 'OK')).toBe(true);
    expect(signals.sessions.value).toMatchObject({ scanned: 20, corrupt: 0 });
    expect(signals.logEvents.value.session_load_failed).toBe(0);
    expect(signals.items.value.overLimit).toBe(0);
    // Put the incidents back for the next test.
    manifest = await seedLab(endpoints, { scenarios: 'all', sessions: 20 });
  });

  it('a source that is down fails its own part only', async () => {
    const config = labConfig({ ...endpoints, dynamodb: 'http://127.0.0.1:1' });
    const signals = await readLabSignals({ ...config, timeoutMs: 1000 }, manifest);
    expect(signals.items.ok).toBe(false);
    expect(signals.alarms.ok && signals.logEvents.ok && signals.sessions.ok).toBe(true);
  });
});

describe('lab seed in the command process', () => {
  it('refuses when no lab runs in the directory, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-lab-'));
    try {
      await expect(seedRunningLab({ dir }, { scenarios: 'none' }, seedLab)).rejects.toMatchObject({ code: 'NOT_RUNNING' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
