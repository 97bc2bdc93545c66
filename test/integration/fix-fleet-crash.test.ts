/**
 * Crash safety of `fix fleet` with Redis killed (SIGKILL) in the middle: 5,000 corrupt
 * sessions, AOF with `appendfsync always` (so what Redis acknowledged is exactly what
 * survives), the fleet fix running through the production environment, the server killed
 * once the first changes are verified, restarted on the same port and data, and the same
 * fleet fix run again. Every session must end repaired, repaired once, and every valid turn
 * it had must still exist (in its turns list or its quarantine record).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createActionEnv } from '../../src/actions/env.js';
import { AuditLog } from '../../src/actions/audit/log.js';
import { runFleetFix, type FleetRequest } from '../../src/actions/fleet/run.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../helpers/services.js';
import { classifyAll, corruptId, quarantinedBySession, validTurns, writeCorruptSessions } from './fix-corrupt.js';

const N = 5000;
let redis: Awaited<ReturnType<typeof startRedis>>;
let config: Config;
let stateDir: string;

beforeAll(async () => {
  redis = await startRedis({ aof: true, extraArgs: ['--appendfsync', 'always'] });
  stateDir = mkdtempSync(join(tmpdir(), 'mo-crash-'));
  config = configSchema.parse({ redis: { url: redis.server.url, pipelineSize: 250 }, stateDir, auditPath: join(stateDir, 'audit.jsonl'), timeoutMs: 2000 });
});
afterAll(async () => {
  await redis?.stop();
});

it('a fleet fix killed mid-run by a Redis crash finishes on the rerun, with nothing lost and nothing redone', async () => {
  const setup = redis.client();
  await writeCorruptSessions(setup, N);
  const before = await validTurns(setup, N);
  setup.disconnect();

  const audit = new AuditLog(config.auditPath!);
  const request = (extra: Partial<FleetRequest>): FleetRequest => ({
    selector: { kind: 'scenario', scenario: 1 },
    since: 0,
    command: 'fix fleet --scenario 1 --yes',
    approve: async () => 'approved',
    audit,
    actor: async () => ({ osUser: 'test', host: 'test' }),
    stateDir,
    target: redis.server.url,
    // As `fix fleet --scenario 1 --yes` runs it: chunks applied as they are planned.
    preApproved: true,
    ...extra,
  });

  // First run: killed once the first changes are verified.
  const first = createActionEnv(config);
  let killed: Promise<void> | undefined;
  const run1 = await runFleetFix(first, request({
    rate: 8000,
    progress: (p) => {
      if (p.phase === 'apply' && p.counts.applied >= 300 && !killed) killed = redis.server.kill();
    },
  }));
  await killed;
  await first.close();
  expect(killed).toBeDefined();
  expect(run1.status).toBe('stopped');
  expect(run1.exitCode).toBe(4);
  expect(run1.outcomes.applied).toBeGreaterThan(0);
  expect(run1.outcomes.applied).toBeLessThan(N);

  // Restart on the same port and data directory: AOF replays what was acknowledged.
  await redis.server.start();
  await untilLoaded(redis.server.port);
  const second = createActionEnv(config);
  const run2 = await runFleetFix(second, request({}));
  await second.close();
  expect(run2.status).toBe('completed');
  expect(run2.exitCode).toBe(0);
  expect(run2.resumed).toBe(true);
  expect(run2.runId).toBe(run1.runId);
  expect(run2.outcomes.failed).toBe(0);

  const check = new Redis(redis.server.port, '127.0.0.1');
  try {
    const verdicts = await classifyAll(check, N);
    const after = await validTurns(check, N);
    const quarantined = await quarantinedBySession(check);
    let validBefore = 0;
    let validKept = 0;
    for (let i = 0; i < N; i++) {
      const id = corruptId(i);
      expect(verdicts.get(id)?.recommendedAction, id).toBeNull();
      const primary = new Set(after.get(id));
      const q = quarantined.get(id);
      // One repair per session: nothing was redone after the restart.
      expect(q?.records, id).toBe(1);
      for (const turn of before.get(id)!) {
        validBefore++;
        if (primary.has(turn) || q?.entries.has(turn)) validKept++;
      }
    }
    expect(validBefore).toBe(N * 5);
    expect(validKept).toBe(validBefore);
  } finally {
    check.disconnect();
  }

  // Every session has exactly one applied change in the audit log, across both runs.
  const applied = new Map<string, number>();
  for (const e of (await audit.read()).entries) if (e.result === 'applied') applied.set(e.session, (applied.get(e.session) ?? 0) + 1);
  expect(applied.size).toBe(N);
  expect([...applied.values()].every((n) => n === 1)).toBe(true);
});

/** The restarted server answers LOADING while it replays the AOF: an operator waits for it, so does the test. */
async function untilLoaded(port: number): Promise<void> {
  const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  try {
    for (;;) {
      const info = await c.info('persistence').catch(() => 'loading:1');
      if (/loading:0/.test(info)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    c.disconnect();
  }
}
