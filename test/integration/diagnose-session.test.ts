import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../../src/cli/commands/diagnose-run.js';
import { CoreError } from '../../src/core/errors.js';
import { encodeSnapshot, overflowKey } from '../../src/core/size/index.js';
import type { DiagnoseResult } from '../../src/diagnose/types.js';
import type { SeedManifest } from '../../src/lab/seed/index.js';
import { labClientOptions, S3_LAB_EXTRAS } from '../../src/lab/seed/writers/clients.js';
import { asDocument, expectValidDiagnoseDocument } from './diagnose-schema.js';
import { startTestLab, type TestLab } from './diagnose-lab.js';

/**
 * `diagnose --session <id>`: one conversation across Redis, DynamoDB, S3 and its log events,
 * which copy is authoritative, what is wrong with it, and fix commands for that session only.
 */
let lab: TestLab;
let manifest: SeedManifest;
beforeAll(async () => {
  lab = await startTestLab();
  manifest = await lab.seed({ scenarios: 'all', sessions: 80 });
});
afterAll(async () => lab?.stop());

async function forSession(sessionId: string): Promise<DiagnoseResult> {
  const r = await runDiagnose(lab.config, { sessionId, timeoutMs: 30_000 });
  expectValidDiagnoseDocument(asDocument(r));
  return r;
}

const details = (n: number) => manifest.scenarios.find((s) => s.scenario === n)!.details;

describe('a session corrupted by the failover', () => {
  it('shows the damage, never trusts the corrupt list, and gives session-level fix commands', async () => {
    const corrupt = (details(1).sessions as { id: string; backup: string; corruption: string }[]).find((s) => s.backup === 'good' && s.corruption === 'truncated')!;
    const r = await forSession(corrupt.id);
    const v = r.session!;
    expect(v.sessionId).toBe(corrupt.id);
    expect(v.redis.status).toBe('corrupt_restorable_from_backup');
    expect(v.redis.turns?.invalid).toBe(1);
    expect(v.redis.backup?.health).toBe('ok');
    expect(v.authoritative.copy).not.toBe('redis.turns');
    expect(v.problems).toContainEqual({ scenario: 1, what: expect.any(String), action: 'restore-backup' });
    expect(v.logs.counts?.session_load_failed).toBeGreaterThan(0);
    expect(r.findings.map((f) => f.scenario)).toEqual([1]);
    expect(r.findings[0]?.remediations[0]?.command).toBe(`manga-oncall fix session ${corrupt.id} --action restore-backup`);
    expect(r.status).toBe('incident');
    for (const t of v.recentTurns) expect(t.content).toMatch(/^«masked: \d+ chars, #[0-9a-f]{6}»$/);
  });
});

describe('a power user over the DynamoDB limit', () => {
  it('measures the item exactly and names the size action', async () => {
    const big = (details(4).items as { id: string; sizeBytes: number; overLimit: boolean }[]).find((i) => i.overLimit)!;
    const r = await forSession(big.id);
    const v = r.session!;
    expect(v.dynamodb.sizeBytes).toBe(big.sizeBytes);
    expect(v.dynamodb.headroomBytes).toBeLessThan(0);
    expect(v.problems.find((p) => p.scenario === 4)?.action).toBe('overflow');
    expect(r.findings.map((f) => f.scenario)).toEqual([4]);
    // Redis and DynamoDB hold the same turns: the live copy is the one to trust.
    expect(v.authoritative.copy).toBe('redis.turns');
  });
});

describe('a session behind a stale lock', () => {
  it('says who held it and that release-lock applies', async () => {
    const lock = (details(5).locks as { id: string; expiry: string }[]).find((l) => l.expiry === 'none')!;
    const r = await forSession(lock.id);
    expect(r.session?.redis.lock?.status).toBe('no_expiry');
    expect(r.session?.redis.lock?.holder?.host).toMatch(/^ip-10-/);
    expect(r.session?.problems).toContainEqual({ scenario: 5, what: expect.any(String), action: 'release-lock' });
    expect(r.findings.map((f) => f.scenario)).toEqual([5]);
  });
});

describe('a healthy session with part of its history overflowed to S3', () => {
  it('joins the S3 snapshot with the item and finds nothing wrong', async () => {
    const all = new Set(manifest.scenarios.flatMap((s) => s.affectedSessions));
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(labClientOptions(lab.endpoints.dynamodb)));
    const s3 = new S3Client({ ...labClientOptions(lab.endpoints.s3), ...S3_LAB_EXTRAS });
    try {
      // A background session of at least two exchanges, not touched by any scenario.
      let item: Record<string, unknown> | undefined;
      for (const id of (await import('../../src/lab/seed/index.js')).planSeed({ scenarios: 'all', sessions: 80, seed: 7, now: manifest.now }).sessions.map((s) => s.id)) {
        if (all.has(id)) continue;
        const got = (await doc.send(new GetCommand({ TableName: 'manga_sessions', Key: { session_id: id } }))).Item;
        if (got && (got.turns as unknown[]).length >= 6) {
          item = got;
          break;
        }
      }
      expect(item).toBeDefined();
      const id = item!.session_id as string;
      const turns = item!.turns as unknown[];
      const key = overflowKey(id, manifest.now);
      const body = encodeSnapshot({ schemaVersion: 1, session_id: id, first_turn_index: 0, source_version: null, turns: turns.slice(0, 3) as never });
      await s3.send(new PutObjectCommand({ Bucket: 'manga-session-overflow', Key: key, Body: body, ContentType: 'application/json' }));
      await doc.send(new PutCommand({ TableName: 'manga_sessions', Item: { ...item!, turns: turns.slice(3), compacted_turn_count: 3, s3_overflow_key: key } }));

      const r = await forSession(id);
      const v = r.session!;
      expect(v.s3).toEqual({ key, turns: 3, historyTurns: turns.length });
      expect(v.dynamodb.storedTurns).toBe(turns.length - 3);
      expect(v.problems).toEqual([]);
      expect(r.findings).toEqual([]);
      expect(r.status).toBe('healthy');
      expect(['redis.turns', 'dynamodb+s3']).toContain(v.authoritative.copy);
    } finally {
      doc.destroy();
      s3.destroy();
    }
  });
});

describe('an invalid session id', () => {
  it('is refused before any store is touched', async () => {
    const err = await runDiagnose(lab.config, { sessionId: 'sess-*' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe('INVALID_SESSION_ID');
  });
});
