/**
 * Crash safety of the fleet's compactions when S3 or DynamoDB fails in the middle: the
 * endpoint behind a proxy starts failing after some requests, the fleet fix stops short
 * (some sessions compacted, some failed between their S3 snapshot and their DynamoDB write),
 * the endpoint recovers, and the same fleet fix run again finishes. Every session must end
 * compacted under the limit with exactly the history it had, and with one snapshot (an
 * orphan left by the failure is reused, never duplicated).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/actions/audit/log.js';
import { createActionEnv } from '../../src/actions/env.js';
import { runFleetFix } from '../../src/actions/fleet/run.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { canonicalTurn } from '../../src/core/size/history-codec.js';
import { itemSizeBytes, SAFE_ITEM_BYTES, SessionSizeManager } from '../../src/core/size/index.js';
import { FaultProxy } from './fix-fault-proxy.js';
import { startFixLab, type FixLab } from './fix-lab.js';

const SESSIONS = 16;
const TURNS = 80;
let lab: FixLab;

beforeAll(async () => {
  lab = await startFixLab();
  await lab.seed({ scenarios: 'none', sessions: 5 });
});
afterAll(async () => {
  await lab?.stop();
});

async function writeLongSessions(tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const id = `${tag}-${i}`;
    const turns = Array.from({ length: TURNS }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: `${tag} ${i}/${t} `.padEnd(400, 'ワ'), ts: 1_700_000_000_000 + t }));
    await lab.ddb.send(new PutCommand({ TableName: 'manga_sessions', Item: { session_id: id, turns, turn_count: TURNS, created_at: 1, updated_at: 2, version: 3 } }));
    ids.push(id);
  }
  return ids;
}

async function histories(ids: readonly string[]): Promise<Map<string, string[]>> {
  const mgr = new SessionSizeManager({ ddb: lab.ddb, s3: lab.s3, table: 'manga_sessions', bucket: 'manga-session-overflow' });
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(id, (await mgr.loadFullSession(parseSessionId(id))).turns.map(canonicalTurn));
  return out;
}

async function snapshotCount(id: string): Promise<number> {
  const out = await lab.s3.send(new ListObjectsV2Command({ Bucket: 'manga-session-overflow', Prefix: `sessions/${id}/` }));
  return out.KeyCount ?? 0;
}

function faultyConfig(proxy: FaultProxy, kind: 's3' | 'dynamodb'): Config {
  const c = structuredClone(lab.config);
  c.aws.endpoints[kind] = proxy.endpoint;
  return configSchema.parse(c);
}

describe.each(['s3', 'dynamodb'] as const)('compactions with %s failing mid-run', (kind) => {
  it('stop short, leave every item whole, and finish on the rerun without duplicates', async () => {
    const ids = await writeLongSessions(`faulty-${kind}`);
    const before = await histories(ids);
    const proxy = await new FaultProxy(kind === 's3' ? lab.endpoints.s3 : lab.endpoints.dynamodb, kind).start();
    try {
      const audit = new AuditLog(lab.config.auditPath!);
      const request = { selector: { kind: 'action' as const, action: 'compact' as const }, since: 0, command: 'fix fleet --action compact --yes', approve: async () => 'approved' as const, audit, actor: async () => ({ osUser: 't', host: 't' }), stateDir: lab.stateDir, target: `faults-${kind}`, concurrency: 4 };
      // One session at a time, so the outage starts at a known step of the 6th: two more
      // requests go through (S3: its pre-image and the listing, then its snapshot fails;
      // DynamoDB: its plan read and compaction read, then its conditional put fails, after
      // its snapshot is in S3), and everything after fails.
      const env1 = createActionEnv(faultyConfig(proxy, kind));
      const first = await runFleetFix(env1, {
        ...request,
        concurrency: 1,
        progress: (p) => {
          if (p.phase === 'apply' && p.counts.applied === 5 && proxy.failAfter === Infinity) proxy.failAfter = proxy.forwarded + 2;
        },
      });
      await env1.close();
      expect(proxy.failed).toBeGreaterThan(0);
      expect(first.outcomes.applied).toBe(5);
      expect(first.outcomes.failed).toBe(SESSIONS - 5);
      // DynamoDB failed after the 6th session's snapshot was written: an orphan, item untouched.
      const withSnapshot = (await Promise.all(ids.map(snapshotCount))).filter((n) => n > 0).length;
      expect(withSnapshot).toBe(kind === 'dynamodb' ? 6 : 5);
      expect(first.exitCode).toBe(4);
      // Whatever happened, every history is still whole and loadable.
      expect(await histories(ids)).toEqual(before);

      proxy.failAfter = Infinity;
      const env2 = createActionEnv(faultyConfig(proxy, kind));
      const second = await runFleetFix(env2, request);
      await env2.close();
      expect(second.exitCode).toBe(0);
      expect(second.outcomes.failed).toBe(0);
      expect(await histories(ids)).toEqual(before);
      for (const id of ids) {
        const item = (await new SessionSizeManager({ ddb: lab.ddb, s3: lab.s3, table: 'manga_sessions', bucket: 'manga-session-overflow' }).loadFullSession(parseSessionId(id))).item;
        expect(itemSizeBytes(item)).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
        expect(item.compacted_turn_count).toBe(TURNS - 10);
        expect(await snapshotCount(id)).toBe(1);
      }
    } finally {
      await proxy.stop();
    }
  });
});

