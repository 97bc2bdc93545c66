import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES, itemSizeBytes } from '../../src/core/size/item-size.js';
import { SERIES } from '../../src/lab/seed/catalog.js';
import { seedLab, type SeedManifest } from '../../src/lab/seed/index.js';
import type { LogRecord } from '../../src/lab/seed/model.js';
import type { ScenarioNumber } from '../../src/lab/seed/scenario-types.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { LOCAL_AWS } from '../helpers/services.js';
import { EXPECTED_SIGNALS, isTurnEntry, namedTitles } from '../unit/lab-seed-signals.js';
import { alarmStates, cacheEventMessages, readLogs, scanKeys, serviceSignals, sessionItems, startTestLab, type TestLab } from './lab-seed-env.js';

// The emulator's clock stands a moment after the seed's: alarms are evaluated "just after seeding".
const NOW = Date.now();
const SESSIONS = 100;
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(() => NOW + 2000);
});
afterAll(async () => {
  await lab?.stop();
});

const seed = (scenarios: 'all' | 'none' | ScenarioNumber[]) => seedLab(lab.endpoints, { scenarios, sessions: SESSIONS, now: NOW, seed: 42 });
const count = (logs: readonly LogRecord[], event: string) => logs.filter((l) => l.fields.event === event).length;
const catalogTitles = new Set(SERIES.flatMap((s) => [s.titleJa, s.titleEn]));

/** What every single-scenario seed must show: its signals, its alarm, nothing else. */
async function expectOnly(m: SeedManifest, logs: readonly LogRecord[]) {
  const key = m.scenarios.map((s) => `${s.scenario}/${s.variant}`)[0];
  expect([...(await serviceSignals(lab, m, logs))].sort()).toEqual([...(key ? (EXPECTED_SIGNALS[key] ?? ['?']) : [])].sort());
  expect(await alarmStates(lab)).toEqual(m.expectedAlarms);
}

describe('background only (none)', () => {
  let m: SeedManifest;
  let logs: LogRecord[];
  beforeAll(async () => {
    m = await seed('none');
    logs = await readLogs(lab, m);
  });

  it('writes healthy sessions to Redis and DynamoDB, the catalog, and the log events', async () => {
    expect((await scanKeys(lab.redis, 'manga:session:*:turns')).length).toBe(SESSIONS);
    expect((await scanKeys(lab.redis, 'manga:session:*:backup')).length).toBe(SESSIONS);
    expect((await scanKeys(lab.redis, 'manga:session:*:state')).length).toBe(SESSIONS);
    const items = await sessionItems(lab);
    expect(items).toHaveLength(SESSIONS);
    for (const i of items) expect(Object.keys(i).sort()).toEqual(['created_at', 'session_id', 'turn_count', 'turns', 'updated_at', 'version']);
    expect(await sessionItems(lab, 'manga_products')).toHaveLength(m.background.products);
    expect(logs).toHaveLength(m.background.logEvents);
    expect(Object.fromEntries(['request', 'route', 'tool_call', 'response'].map((e) => [e, count(logs, e)]))).toEqual(m.background.logEventsByType);
  });

  it('shows no scenario signal, and every alarm evaluates OK from the datapoints', async () => {
    await expectOnly(m, logs);
    expect(Object.values(await alarmStates(lab))).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(await cacheEventMessages(lab)).toEqual([]);
  });

  it('keeps a session consistent across stores: Redis turns = backup = DynamoDB turns, TTL about 30 minutes', async () => {
    const key = (await scanKeys(lab.redis, 'manga:session:*:turns'))[0] as string;
    const id = key.split(':')[2] as string;
    const turns = (await lab.redis.lrange(key, 0, -1)).map((e) => JSON.parse(e) as unknown);
    expect(JSON.parse((await lab.redis.get(`manga:session:${id}:backup`)) ?? 'null')).toEqual(turns);
    const item = await lab.dynamo.send(new GetItemCommand({ TableName: 'manga_sessions', Key: { session_id: { S: id } } }));
    expect(item.Item?.turn_count?.N).toBe(String(turns.length));
    const ttl = await lab.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1800);
  });

  it('finds JSON log events with a filter pattern, as diagnose will query them', async () => {
    const routes = await readLogs(lab, m, '{ $.event = "route" }');
    expect(routes.length).toBe(m.background.logEventsByType.route);
  });
});

describe('scenario 1 alone (failover)', () => {
  let m: SeedManifest;
  let logs: LogRecord[];
  beforeAll(async () => {
    m = await seed([1]);
    logs = await readLogs(lab, m);
  });

  it('records the failover in ElastiCache and trips manga_session_errors only', async () => {
    await expectOnly(m, logs);
    const messages = await cacheEventMessages(lab);
    expect(messages).toContain('Failover from primary node manga-sessions-001 to replica node manga-sessions-002 completed');
    expect(messages.some((x) => x.startsWith('Recovering cache nodes'))).toBe(true);
  });

  it('leaves the corruption it lists: one bad entry per session, backups as listed, lost TTLs', async () => {
    const details = m.scenarios[0]?.details.sessions as { id: string; corruption: string; backup: string; ttlMissing: boolean }[];
    expect(details).toHaveLength(40);
    for (const d of details) {
      const entries = await lab.redis.lrangeBuffer(`manga:session:${d.id}:turns`, 0, -1);
      expect(entries.filter((e) => !isTurnEntry(e))).toHaveLength(1);
      expect((await lab.redis.ttl(`manga:session:${d.id}:turns`)) === -1).toBe(d.ttlMissing);
      const backup = await lab.redis.get(`manga:session:${d.id}:backup`);
      if (d.backup === 'missing') expect(backup).toBeNull();
      else if (d.backup === 'corrupt') expect(() => JSON.parse(backup ?? '')).toThrow();
      else expect(Array.isArray(JSON.parse(backup ?? ''))).toBe(true);
    }
    expect(count(logs, 'session_load_failed')).toBe(m.scenarios[0]?.details.loadFailures);
    const decodeErrors = await readLogs(lab, m, '{ $.error_type = "JSONDecodeError" }');
    expect(decodeErrors.length).toBe(m.scenarios[0]?.details.loadFailures);
  });
});

describe('scenario 2 alone (low-confidence)', () => {
  it('leaves 4-6 alternating low-confidence routes per looping turn in the routes list and trips agent_routing_count only', async () => {
    const m = await seed([2]);
    const logs = await readLogs(lab, m);
    await expectOnly(m, logs);
    const loops = m.scenarios[0]?.details.loops as { id: string; agents: string[]; confidences: number[] }[];
    expect(loops).toHaveLength(10);
    for (const l of loops) {
      const routes = (await lab.redis.lrange(`manga:session:${l.id}:routes`, 0, -1)).map((r) => JSON.parse(r) as { agent: string; confidence: number; at: number });
      expect(routes.map((r) => r.agent)).toEqual(l.agents);
      expect(routes.every((r) => r.confidence < 0.7 && Number.isInteger(r.at))).toBe(true);
    }
  });
});

describe('scenario 3 alone (hallucination)', () => {
  it('pairs each search timeout with a reply naming titles absent from manga_products; no alarm', async () => {
    const m = await seed([3]);
    const logs = await readLogs(lab, m);
    await expectOnly(m, logs);
    const products = await sessionItems(lab, 'manga_products');
    const stocked = new Set(products.flatMap((p) => [p.series_title, p.series_title_en]));
    const timeouts = logs.filter((l) => l.fields.event === 'tool_call' && l.fields.status === 'timeout');
    expect(timeouts).toHaveLength(5);
    for (const t of timeouts) {
      const reply = logs.find((l) => l.fields.event === 'response' && l.fields.turn_id === t.fields.turn_id);
      const titles = namedTitles(String(reply?.fields.text));
      expect(titles.length).toBeGreaterThan(0);
      for (const title of titles) expect(stocked.has(title) || catalogTitles.has(title)).toBe(false);
      const lastTurn = JSON.parse((await lab.redis.lindex(`manga:session:${t.fields.session_id}:turns`, -1)) ?? '{}') as { content?: string };
      expect(lastTurn.content).toBe(reply?.fields.text);
    }
  });
});

describe('scenario 4 alone (item-size)', () => {
  it('stores items over 400 KB by DynamoDB’s measure (dynalite accepts them) and trips the validation alarm only', async () => {
    const m = await seed([4]);
    const logs = await readLogs(lab, m);
    await expectOnly(m, logs);
    const listed = m.scenarios[0]?.details.items as { id: string; sizeBytes: number; overLimit: boolean; failedSaves: number }[];
    const items = new Map((await sessionItems(lab)).map((i) => [i.session_id as string, i]));
    for (const d of listed) {
      const item = items.get(d.id) as Record<string, unknown>;
      expect(itemSizeBytes(item)).toBe(d.sizeBytes);
      expect(d.sizeBytes > MAX_ITEM_BYTES).toBe(d.overLimit);
      expect((item.turn_count as number) >= 150).toBe(true);
    }
    expect(listed.filter((d) => d.overLimit).length).toBeGreaterThan(0);
    const failures = await readLogs(lab, m, '{ $.event = "session_save_failed" }');
    expect(failures.length).toBe(listed.reduce((n, d) => n + d.failedSaves, 0));
    expect(new Set(failures.map((f) => f.fields.message))).toEqual(new Set(['Item size has exceeded the maximum allowed size']));
  });
});

describe('scenario 5 alone (watch-conflicts)', () => {
  it('leaves orphaned locks (no expiry), one live lease, WatchErrors, and trips the p99 alarm only', async () => {
    const m = await seed([5]);
    const logs = await readLogs(lab, m);
    await expectOnly(m, logs);
    const locks = m.scenarios[0]?.details.locks as { id: string; token: string; expiry: string }[];
    for (const l of locks) {
      const key = `manga:session:${l.id}:lock`;
      expect(await lab.redis.get(key)).toBe(l.token);
      const pttl = await lab.redis.pttl(key);
      if (l.expiry === 'none') expect(pttl).toBe(-1);
      else expect(pttl).toBeGreaterThan(0);
    }
    expect(count(logs, 'state_write_conflict')).toBe(m.scenarios[0]?.details.watchErrors);
  });
});

describe('re-seeding', () => {
  it('resets the lab first: seeding none after all leaves only the healthy background', async () => {
    await seed('all');
    expect(Object.values(await alarmStates(lab))).toContain('ALARM');
    // What a fix would have left: an overflowed history in S3.
    const s3 = new S3Client({ ...LOCAL_AWS, endpoint: lab.endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await s3.send(new PutObjectCommand({ Bucket: 'manga-session-overflow', Key: 'sessions/x/1.json', Body: '[]' }));
    const m = await seed('none');
    const logs = await readLogs(lab, m);
    await expectOnly(m, logs);
    expect(await cacheEventMessages(lab)).toEqual([]);
    expect((await scanKeys(lab.redis, 'manga:*')).length).toBe(m.totals.redisKeys);
    expect(await sessionItems(lab)).toHaveLength(SESSIONS);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'manga-session-overflow' }))).KeyCount).toBe(0);
    s3.destroy();
  });
});

describe('key layout', () => {
  it('writes hash-tagged keys ({<id>}) when the layout asks for them, so a session shares one cluster slot', async () => {
    const m = await seedLab(lab.endpoints, { scenarios: [5], sessions: 10, now: NOW, layout: { prefix: 'manga', hashTags: true } });
    const all = await scanKeys(lab.redis, '*');
    expect(all.length).toBe(m.totals.redisKeys);
    for (const k of all) expect(k).toMatch(/^manga:session:\{sess-[0-9a-f]{16}\}:(turns|backup|state|routes|lock)$/);
    const locks = m.scenarios[0]?.details.locks as { id: string; token: string }[];
    for (const l of locks) expect(await lab.redis.get(`manga:session:{${l.id}}:lock`)).toBe(l.token);
  });
});

describe('failures', () => {
  it('refuses a bad option before touching any service', async () => {
    await lab.redis.set('not-the-seeds', 'still here');
    await expect(seedLab(lab.endpoints, { scenarios: [9] })).rejects.toMatchObject({ name: 'LabSeedError', code: 'BAD_OPTION' });
    expect(await lab.redis.get('not-the-seeds')).toBe('still here');
  });

  it('names an emulator that does not answer (EMULATOR_ADMIN) and a Redis that refuses the connection', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(seedLab({ ...lab.endpoints, emulator: closed }, { scenarios: 'none', sessions: 1, now: NOW })).rejects.toMatchObject({ name: 'LabSeedError', code: 'EMULATOR_ADMIN' });
    const noRedis = `redis://127.0.0.1:${await freePort()}`;
    await expect(seedLab({ ...lab.endpoints, redisUrl: noRedis }, { scenarios: 'none', sessions: 1, now: NOW })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
