/**
 * `fix fleet` on a real 3-master Redis Cluster (test/helpers/redis-cluster.ts), in both key
 * layouts of the contract. Sessions are saved through the core (plain ids: key by key in the
 * safe non-transactional order; hash-tagged ids: MULTI/EXEC on the owning master), then
 * corrupted as a failover leaves them (a turn cut off mid-write at the tail of the list),
 * and `runFleetFix --action restore-backup` runs over them, both ways it runs (pre-approved,
 * streaming; and planned first, then approved). Every session must end repaired, with one
 * quarantine record, every valid turn it had still there, and a rerun must change nothing.
 * With hash tags the fleet batches per master (pipelines of the repair script on each
 * master's own connection); with plain ids it takes the one-session path, never the script.
 */
import type { Cluster } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/actions/audit/log.js';
import type { Actor } from '../../src/actions/audit/record.js';
import { actionEnvFrom } from '../../src/actions/env.js';
import { runFleetFix, type FleetRequest } from '../../src/actions/fleet/run.js';
import { runUndo } from '../../src/actions/undo.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { quarantineScanPattern, sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { parseQuarantineRecord } from '../../src/core/quarantine.js';
import { parseSessionId, type SessionId } from '../../src/core/session-id.js';
import type { Turn } from '../../src/core/turn.js';
import { analyzeEntries, SessionStore } from '../../src/core/sessions/index.js';
import { startRedisCluster, type RedisClusterHarness } from '../helpers/redis-cluster.js';

const N = 45;
const TURNS = 5;
const ACTOR: Actor = { osUser: 'test', host: 'test-host' };

let harness: RedisClusterHarness;
let cluster: Cluster;
let stateDir: string;

beforeAll(async () => {
  harness = await startRedisCluster();
  cluster = await harness.client();
  stateDir = mkdtempSync(join(tmpdir(), 'mo-fleet-cluster-'));
});
afterAll(async () => {
  await harness?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const idOf = (layout: KeyLayout, i: number): SessionId => parseSessionId(`fleet-${layout.prefix}-${String(i).padStart(3, '0')}`);

function turnsOf(i: number): Turn[] {
  return Array.from({ length: TURNS }, (_, t) => ({
    role: t % 2 ? ('assistant' as const) : ('user' as const),
    content: `session ${i} turn ${t}: ワンピース 第${t + 1}巻の在庫はありますか? "quoted" / \\ back`,
    ts: 1_700_000_000_000 + i * 100 + t,
    ...(t % 2 ? { agent_name: 'ProductSearchAgent' } : {}),
  }));
}

/** Every key of the layout on every master, with its type, bytes and whether it expires. */
async function keyspace(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        const value = type === 'list' ? JSON.stringify(await node.lrange(key, 0, -1)) : type === 'string' ? await node.get(key) : type;
        out.set(key, `${type} ${(await node.pttl(key)) > 0 ? 'expiring' : 'persistent'} ${value}`);
      }
    } while (cursor !== '0');
  }
  return out;
}

/** Valid turn entries (exact text) of a session's turns list. */
async function validEntries(layout: KeyLayout, id: SessionId): Promise<string[]> {
  const entries = await cluster.lrangeBuffer(sessionKeys(layout, id).turns, 0, -1);
  const { checks } = analyzeEntries(entries);
  return entries.filter((_, k) => checks[k]!.ok).map((e) => e.toString('utf8'));
}

/** The session's quarantine records, parsed (their keys SCANned on every master). */
async function records(layout: KeyLayout, id: SessionId) {
  const found: string[] = [];
  for (const node of cluster.nodes('master')) found.push(...(await node.keys(quarantineScanPattern(layout, id))));
  return Promise.all(found.map(async (key) => parseQuarantineRecord((await cluster.getBuffer(key))!)));
}

/** EVALSHA calls served by the masters since the last reset: the fleet's batch path runs the repair script. */
async function scriptCalls(): Promise<number> {
  let calls = 0;
  for (const node of cluster.nodes('master')) calls += Number(/cmdstat_evalsha:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
  return calls;
}

describe.each([
  { name: 'plain ids', layout: { prefix: 'fplain', hashTags: false }, batched: false },
  { name: 'hash-tagged ids', layout: { prefix: 'ftagged', hashTags: true }, batched: true },
])('fix fleet on a cluster with $name', ({ layout, batched }) => {
  describe.each([
    { path: 'pre-approved (streaming)', preApproved: true },
    { path: 'planned, then approved', preApproved: false },
  ])('$path', ({ preApproved }) => {
    it('restores every corrupt session from its backup, quarantines what it replaced, loses no turn, and a rerun changes nothing', async () => {
      const prefix = `${layout.prefix}${preApproved ? 's' : 'p'}`;
      const lay: KeyLayout = { prefix, hashTags: layout.hashTags };
      const config: Config = configSchema.parse({
        redis: { cluster: harness.nodes.slice(), hashTags: lay.hashTags, keyPrefix: prefix, pipelineSize: 20 },
        stateDir,
        auditPath: join(stateDir, `audit-${prefix}.jsonl`),
      });
      const env = actionEnvFrom({ config, redis: cluster });
      const store = new SessionStore({ redis: cluster, layout: lay });
      expect(store.atomic).toBe(batched);

      // N sessions saved by the core, then cut off mid-write; two healthy ones stay untouched.
      const ids = Array.from({ length: N }, (_, i) => idOf(lay, i));
      for (const [i, id] of ids.entries()) {
        await store.save(id, turnsOf(i));
        await cluster.rpush(sessionKeys(lay, id).turns, JSON.stringify(turnsOf(i)[0]).slice(0, 30));
      }
      const healthy = [idOf(lay, 900), idOf(lay, 901)];
      for (const id of healthy) await store.save(id, turnsOf(900));
      const validBefore = new Map<string, string[]>();
      for (const id of ids) {
        validBefore.set(id, await validEntries(lay, id));
        expect((await store.inspect(id)).classification.recommendedAction).toBe('restore-backup');
      }
      const healthyBefore = await Promise.all(healthy.map((id) => validEntries(lay, id)));

      await Promise.all(cluster.nodes('master').map((n) => n.config('RESETSTAT')));
      const audit = new AuditLog(config.auditPath!);
      const request: FleetRequest = {
        selector: { kind: 'action', action: 'restore-backup' },
        since: 0,
        command: 'fix fleet --action restore-backup',
        approve: async () => 'approved',
        audit,
        actor: async () => ACTOR,
        stateDir,
        target: `cluster-${prefix}`,
        preApproved,
      };
      const run = await runFleetFix(env, request);
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('completed');
      expect(run.exitCode).toBe(0);
      expect(run.outcomes).toEqual({ applied: N, skipped: 0, refused: 0, failed: 0 });
      expect(run.plan.affected).toBe(N);
      // Hash tags: one script call per repair (it reads the session back too), batched per master.
      // Plain ids: the one-session path, key by key.
      if (batched) expect(await scriptCalls()).toBe(N);
      else expect(await scriptCalls()).toBe(0);

      let validKept = 0;
      let validTotal = 0;
      for (const id of ids) {
        expect((await store.inspect(id)).classification.recommendedAction, id).toBeNull();
        const now = new Set(await validEntries(lay, id));
        const recs = await records(lay, id);
        expect(recs, id).toHaveLength(1);
        const quarantined = recs[0]!.keys[sessionKeys(lay, id).turns];
        expect(quarantined?.type).toBe('list');
        const kept = new Set([...now, ...((quarantined?.value as string[]) ?? [])]);
        for (const entry of validBefore.get(id)!) {
          validTotal++;
          if (kept.has(entry)) validKept++;
        }
        // The backup's turns are back in the list, and the list as it was is in the record.
        expect(now.size).toBe(TURNS);
        expect(quarantined?.value).toHaveLength(TURNS + 1);
      }
      expect(validTotal).toBe(N * TURNS);
      expect(validKept).toBe(validTotal);
      expect(await Promise.all(healthy.map((id) => validEntries(lay, id)))).toEqual(healthyBefore);
      for (const id of healthy) expect(await records(lay, id)).toHaveLength(0);

      // The rerun finds nothing to do and writes nothing.
      const before = await keyspace(prefix);
      const again = await runFleetFix(env, { ...request, target: `cluster-${prefix}` });
      expect(again.exitCode).toBe(0);
      expect(again.plan.affected).toBe(0);
      expect(again.outcomes.applied).toBe(0);
      expect(await keyspace(prefix)).toEqual(before);

      // Each change is audited and undoable on its own, exactly.
      const entries = (await audit.read()).entries.filter((e) => e.runId === run.runId && e.result === 'applied');
      expect(new Set(entries.map((e) => e.session)).size).toBe(N);
      const sample = entries.find((e) => e.session === ids[7])!;
      const undone = await runUndo(env, { auditId: sample.id, force: false, command: 'undo', approve: async () => 'approved', audit, actor: async () => ACTOR });
      expect(undone.status).toBe('restored');
      expect((await store.inspect(ids[7]!)).classification.recommendedAction).toBe('restore-backup');
    });
  });
});
