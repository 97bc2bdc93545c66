import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_REGISTRY } from '../../src/probes/index.js';
import { cacheEventKind } from '../../src/probes/elasticache/failover-events.js';
import { insightsTime } from '../../src/probes/logs/questions.js';
import { turnPattern } from '../../src/probes/logs/routing-pattern.js';
import { isItemSizeMessage } from '../../src/probes/logs/session-save-failed-message.js';
import { continuedAfterTimeout, namedTitles } from '../../src/probes/logs/tool-timeout-continuation.js';
import { authoritativeCopy } from '../../src/probes/session/authority.js';
import { PROBE_IDS, PROBES } from '../../src/runbooks/index.js';
import { EMPTY_STRING_MESSAGE, ITEM_SIZE_MESSAGE } from '../../src/lab/seed/scenario4.js';
import { ElastiCacheEventMessages as Msg } from '../../src/lab/emulator/elasticache/event-messages.js';

describe('the probe registry', () => {
  it('implements every probe id the runbooks may bind, each under its own id', () => {
    expect(Object.keys(PROBE_REGISTRY).sort()).toEqual([...PROBE_IDS].sort());
    for (const id of PROBE_IDS) expect(PROBE_REGISTRY[id].id).toBe(id);
  });

  it('names the sessions a finding is about only from probes that answer per session', () => {
    const alarms = PROBES.filter((p) => p.id.startsWith('cloudwatch.')).map((p) => p.id);
    for (const id of alarms) expect(PROBE_REGISTRY[id].namesAffected).toBe(false);
    expect(PROBE_REGISTRY['redis.corrupt_sessions'].namesAffected).toBe(true);
    expect(PROBE_REGISTRY['elasticache.failover_events'].namesAffected).toBe(false);
  });
});

describe('routing turn shapes (scenario 2, node B)', () => {
  it.each([
    [{ routes: 4, agents: 4 }, 'multi_agent'],
    [{ routes: 5, agents: 2 }, 'oscillation'],
    [{ routes: 4, agents: 1 }, 'single_agent'],
    [{ routes: 6, agents: 3 }, 'mixed'],
  ] as const)('%j is %s', (turn, pattern) => {
    expect(turnPattern(turn)).toBe(pattern);
  });
});

describe('ElastiCache event kinds (scenario 1, node F)', () => {
  it('reads failovers and maintenance from ElastiCache’s own wording', () => {
    // ElastiCache's older wording said "master"; both are failovers.
    expect(cacheEventKind('Failover from master node manga-sessions-001 to replica node manga-sessions-002 completed')).toBe('failover');
    expect(cacheEventKind(Msg.failoverComplete('a-001', 'a-002'))).toBe('failover');
    expect(cacheEventKind(Msg.testFailoverCalled('0001'))).toBe('failover');
    expect(cacheEventKind(Msg.recoveringCacheNodes(['0001']))).toBe('maintenance');
    expect(cacheEventKind('Cache node 0001 restarted')).toBe('maintenance');
    expect(cacheEventKind(Msg.snapshotSucceeded('s1', 'manga-sessions'))).toBe('other');
    expect(cacheEventKind(Msg.cacheClusterCreated())).toBe('other');
  });
});

describe('save failure messages (scenario 4, node B)', () => {
  it('tells DynamoDB’s item-size errors from other validation errors', () => {
    expect(isItemSizeMessage(ITEM_SIZE_MESSAGE)).toBe(true);
    expect(isItemSizeMessage('Item size to update has exceeded the maximum allowed size')).toBe(true);
    expect(isItemSizeMessage(EMPTY_STRING_MESSAGE)).toBe(false);
  });
});

describe('answers after a tool timeout (scenario 3, nodes D and F)', () => {
  const turn = (response: string, responses = 1) => ({ sessionId: 's', turnId: 't', tool: 'search_manga_catalog', timeouts: 1, responses, response, first: 0 });
  it('an answer naming titles continued without grounding data', () => {
    const text = 'おすすめは『星降る剣の物語』第2巻と『深夜ラーメン探偵』第1巻です。';
    expect(namedTitles(text)).toEqual(['星降る剣の物語 vol. 2', '深夜ラーメン探偵 vol. 1']);
    expect(continuedAfterTimeout(turn(text))).toBe(true);
    expect(continuedAfterTimeout(turn('I recommend "The Starfall Sword Saga" Vol. 2 and "Frozen Valkyrie" Vol. 1.'))).toBe(true);
  });
  it('an apology, or no answer at all, returned the error', () => {
    expect(continuedAfterTimeout(turn("I'm having trouble searching right now. Please try again in a moment."))).toBe(false);
    expect(continuedAfterTimeout(turn('申し訳ありません。ただいまカタログ検索がうまくいきません。'))).toBe(false);
    expect(continuedAfterTimeout(turn('', 0))).toBe(false);
  });
});

describe('the two request-slot grids (scenario 5, node B)', () => {
  const slot = (t: number, offset: number) => Math.floor((t + offset) / 200);
  it('put any two requests less than 100 ms apart in one slot of at least one grid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 99 }), (t, gap) => {
        const u = t + gap;
        return slot(t, 0) === slot(u, 0) || slot(t, 100) === slot(u, 100);
      }),
    );
  });
});

describe('Insights timestamps', () => {
  it('parses @timestamp as UTC and rejects garbage', () => {
    expect(insightsTime('2026-11-28 03:54:04.507')).toBe(Date.UTC(2026, 10, 28, 3, 54, 4, 507));
    expect(insightsTime('not a time')).toBeUndefined();
    expect(insightsTime(undefined)).toBeUndefined();
  });
});

describe('the authoritative copy of a session', () => {
  it('is the usable copy with the newest turn, the live one on a tie, never a corrupt list', () => {
    expect(
      authoritativeCopy([
        { copy: 'redis.turns', turns: 6, lastTs: 2000, usable: true },
        { copy: 'dynamodb', turns: 6, lastTs: 2000, usable: true },
      ]).copy,
    ).toBe('redis.turns');
    expect(
      authoritativeCopy([
        { copy: 'redis.turns', turns: 7, lastTs: 3000, usable: false },
        { copy: 'redis.backup', turns: 6, lastTs: 2000, usable: true },
        { copy: 'dynamodb', turns: 7, lastTs: 3000, usable: true },
      ]).copy,
    ).toBe('dynamodb');
    const none = authoritativeCopy([{ copy: 'redis.turns', turns: 3, lastTs: 1, usable: false }]);
    expect(none.copy).toBe('none');
    expect(none.reason).toContain('damaged');
    expect(authoritativeCopy([]).reason).toBe('the session exists in no store');
  });
});
