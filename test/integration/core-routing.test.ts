import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKeys, type KeyLayout } from '../../src/core/keys.js';
import { CLARIFICATION_RESPONSE, guardRoute, RoutingStateStore, type RouteDecision } from '../../src/core/routing/index.js';
import { parseSessionId } from '../../src/core/session-id.js';
import { startRedis } from '../helpers/services.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
const freshLayout = (hashTags = false): KeyLayout => ({ prefix: `t${randomBytes(4).toString('hex')}`, hashTags });
const sid = parseSessionId('user-42.turn');
let at = 1_700_000_000_000;
const decision = (agent: string, confidence: number): RouteDecision => ({ agent, confidence, at: at++ });

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('routing state in Redis', () => {
  it('two orchestrator tasks, each with its own client, see one routing state and one loop', async () => {
    const layout = freshLayout();
    const taskA = new RoutingStateStore(redis.client(), { layout });
    const taskB = new RoutingStateStore(redis.client(), { layout });
    // The classifier's decisions of one turn land on alternating tasks.
    expect(await taskA.recordRoute(sid, decision('ProductSearchAgent', 0.55))).toBe(1);
    expect(await taskB.recordRoute(sid, decision('MangaQAAgent', 0.52))).toBe(2);
    expect(await taskA.recordRoute(sid, decision('ProductSearchAgent', 0.56))).toBe(3);
    // After three routes neither task breaks anything yet.
    expect(await guardRoute(taskB, sid)).toEqual({ action: 'route_normally' });
    await taskB.recordRoute(sid, decision('MangaQAAgent', 0.5));
    expect((await taskA.routesOf(sid)).map((r) => r.agent)).toEqual(['ProductSearchAgent', 'MangaQAAgent', 'ProductSearchAgent', 'MangaQAAgent']);

    // Task A sees the loop that no single task saw in full.
    const outcome = await guardRoute(taskA, sid);
    expect(outcome).toMatchObject({
      action: 'break_loop',
      agent: 'ProductSearchAgent',
      response: CLARIFICATION_RESPONSE,
      verdict: { rule: 'oscillation', agents: ['ProductSearchAgent', 'MangaQAAgent'] },
      previousPin: null,
    });
    expect(outcome.action === 'break_loop' && outcome.cleared.decisions).toHaveLength(4);

    // Task B sees the cleared routes and the pin, and follows it.
    expect(await taskB.routesOf(sid)).toEqual([]);
    expect(await taskB.pinnedAgent(sid)).toBe('ProductSearchAgent');
    expect(await guardRoute(taskB, sid)).toEqual({ action: 'use_pinned_agent', agent: 'ProductSearchAgent' });
  });

  it('clearRouting returns the exact entries removed, including unreadable ones, for quarantine', async () => {
    const layout = freshLayout(true);
    const client = redis.client();
    const store = new RoutingStateStore(client, { layout });
    const key = sessionKeys(layout, sid).routes;
    await store.recordRoute(sid, decision('A', 0.9));
    await client.rpush(key, '{"agent": truncated');
    expect(await store.routesOf(sid)).toHaveLength(1);
    const cleared = await store.clearRouting(sid);
    expect(cleared.raw).toHaveLength(2);
    expect(cleared.raw[1]).toBe('{"agent": truncated');
    expect(cleared.decisions.map((d) => d.agent)).toEqual(['A']);
    expect(await client.exists(key)).toBe(0);
    expect(await store.clearRouting(sid)).toEqual({ raw: [], decisions: [] });
  });

  it('routes and pin carry the 1800 s inactivity expiry; pin and unpin return the previous agent', async () => {
    const layout = freshLayout();
    const client = redis.client();
    const store = new RoutingStateStore(client, { layout });
    const keys = sessionKeys(layout, sid);
    await store.recordRoute(sid, decision('A', 0.8));
    expect(await store.pinAgent(sid, 'A')).toBeNull();
    expect(await store.pinAgent(sid, 'B')).toBe('A');
    for (const key of [keys.routes, keys.pin]) {
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(1790);
      expect(ttl).toBeLessThanOrEqual(1800);
    }
    await client.expire(keys.pin, 10);
    expect(await guardRoute(store, sid)).toEqual({ action: 'use_pinned_agent', agent: 'B' });
    expect(await client.ttl(keys.pin)).toBeGreaterThan(1790); // the guard kept the pin alive
    expect(await store.unpinAgent(sid)).toBe('B');
    expect(await store.pinnedAgent(sid)).toBeNull();
    expect(await store.touchPin(sid)).toBe(false);
  });

  it('rejects an invalid decision before writing anything', async () => {
    const layout = freshLayout();
    const client = redis.client();
    const store = new RoutingStateStore(client, { layout });
    await expect(store.recordRoute(sid, { agent: 'A', confidence: 2, at: 1 })).rejects.toThrow(RangeError);
    await expect(store.pinAgent(sid, '')).rejects.toThrow(RangeError);
    expect(await client.exists(sessionKeys(layout, sid).routes, sessionKeys(layout, sid).pin)).toBe(0);
  });
});
