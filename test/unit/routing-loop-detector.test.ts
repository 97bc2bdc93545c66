import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLARIFICATION_RESPONSE,
  chooseFallbackAgent,
  classifyRoutes,
  decideRoute,
  detectRoutingLoop,
  parseRouteDecision,
  shouldClarify,
  type RouteDecision,
} from '../../src/core/routing/index.js';

/** Routes from `Agent:confidence` strings, one second apart. */
const routes = (...specs: string[]): RouteDecision[] =>
  specs.map((s, i) => {
    const [agent, conf] = s.split(':') as [string, string | undefined];
    return { agent, confidence: conf === undefined ? 0.5 : Number(conf), at: 1_700_000_000_000 + i * 1000 };
  });

describe('detectRoutingLoop', () => {
  it('exactly 3 routes is not a loop, even A-B-A', () => {
    const v = detectRoutingLoop(routes('A', 'B', 'A'));
    expect(v.loop).toBe(false);
    expect(v.routeCount).toBe(3);
  });

  it('4 routes to different agents is a loop by count, naming the two most routed agents', () => {
    const v = detectRoutingLoop(routes('A:0.6', 'B:0.9', 'C:0.5', 'D:0.4'));
    expect(v).toMatchObject({ loop: true, rule: 'too_many_routes', rulesFired: ['too_many_routes'], routeCount: 4 });
    // All tied on count: highest mean confidence first.
    expect(v.loop && v.agents).toEqual(['B', 'A']);
    expect(v.explanation).toContain('4 routes');
  });

  it('A-B-A-B is an oscillation between A and B (the more specific rule), and over the count too', () => {
    const v = detectRoutingLoop(routes('ProductSearchAgent', 'MangaQAAgent', 'ProductSearchAgent', 'MangaQAAgent'));
    expect(v).toMatchObject({ loop: true, rule: 'oscillation', rulesFired: ['oscillation', 'too_many_routes'], agents: ['ProductSearchAgent', 'MangaQAAgent'] });
    expect(v.explanation).toContain('ProductSearchAgent -> MangaQAAgent -> ProductSearchAgent -> MangaQAAgent');
  });

  it('with a higher count limit, only the oscillation rule fires, on the last four routes', () => {
    const limits = { maxRoutesPerTurn: 10, clarificationThreshold: 0.7 };
    expect(detectRoutingLoop(routes('C', 'A', 'B', 'A', 'B'), limits)).toMatchObject({ loop: true, rule: 'oscillation', rulesFired: ['oscillation'], agents: ['A', 'B'] });
    expect(detectRoutingLoop(routes('A', 'B', 'A', 'B', 'C'), limits).loop).toBe(false);
    // A-A-A-A repeats one agent: not an oscillation (the seed called it one).
    expect(detectRoutingLoop(routes('A', 'A', 'A', 'A'), limits).loop).toBe(false);
  });

  it('no routes is not a loop', () => {
    expect(detectRoutingLoop([])).toMatchObject({ loop: false, routeCount: 0 });
  });

  it('property: a loop exactly when more than 3 routes (default limits)', () => {
    const route = fc.record({ agent: fc.constantFrom('A', 'B', 'C', 'D'), confidence: fc.double({ min: 0, max: 1, noNaN: true }), at: fc.nat() });
    fc.assert(
      fc.property(fc.array(route, { maxLength: 12 }), (rs) => {
        expect(detectRoutingLoop(rs).loop).toBe(rs.length > 3);
      }),
    );
  });
});

describe('shouldClarify', () => {
  it('asks below 0.70 and acts at exactly 0.70', () => {
    expect(shouldClarify({ confidence: 0.69 })).toBe(true);
    expect(shouldClarify({ confidence: 0.6999999 })).toBe(true);
    expect(shouldClarify({ confidence: 0.7 })).toBe(false);
    expect(shouldClarify({ confidence: 0.70 })).toBe(false);
    expect(shouldClarify({ confidence: 0.95 })).toBe(false);
    expect(shouldClarify({ confidence: 0 })).toBe(true);
  });
});

describe('classifyRoutes', () => {
  it('same two agents alternating is an oscillation; a different agent each time is multi-agent', () => {
    expect(classifyRoutes(routes('A', 'B', 'A', 'B')).pattern).toBe('oscillation');
    expect(classifyRoutes(routes('A', 'B', 'A')).pattern).toBe('oscillation');
    expect(classifyRoutes(routes('A', 'B', 'C', 'D')).pattern).toBe('multi_agent');
    expect(classifyRoutes(routes('A', 'B')).pattern).toBe('multi_agent');
    expect(classifyRoutes(routes('A', 'A', 'A')).pattern).toBe('single_agent');
    expect(classifyRoutes(routes('A', 'B', 'B', 'A')).pattern).toBe('mixed');
    expect(classifyRoutes(routes('A', 'B', 'C', 'A')).pattern).toBe('mixed');
    expect(classifyRoutes([])).toEqual({ pattern: 'none', confidence: null, agents: [], minConfidence: null, maxConfidence: null });
  });

  it('all scores below 0.70 is all_low_confidence; one at 0.70 or above makes it fluctuating', () => {
    const low = classifyRoutes(routes('A:0.55', 'B:0.52', 'A:0.69', 'B:0.6'));
    expect(low).toMatchObject({ pattern: 'oscillation', confidence: 'all_low_confidence', agents: ['A', 'B'], minConfidence: 0.52, maxConfidence: 0.69 });
    expect(classifyRoutes(routes('A:0.55', 'B:0.70', 'A:0.5', 'B:0.6')).confidence).toBe('fluctuating');
    expect(classifyRoutes(routes('A:0.9', 'B:0.4', 'A:0.85', 'B:0.3')).confidence).toBe('fluctuating');
  });
});

describe('chooseFallbackAgent', () => {
  it('defaults to ProductSearchAgent when nothing was routed', () => {
    expect(chooseFallbackAgent([])).toBe('ProductSearchAgent');
  });

  it('picks the most routed agent', () => {
    expect(chooseFallbackAgent(routes('A:0.9', 'B:0.1', 'B:0.1', 'C:0.99'))).toBe('B');
  });

  it('breaks a count tie by mean confidence, then by first seen', () => {
    expect(chooseFallbackAgent(routes('A:0.5', 'B:0.6', 'A:0.5', 'B:0.6'))).toBe('B');
    expect(chooseFallbackAgent(routes('B:0.5', 'A:0.5', 'A:0.5', 'B:0.5'))).toBe('B');
    // (0.1 + 0.2) / 2 and 0.15 differ by float rounding only: still a tie, first seen wins.
    expect(chooseFallbackAgent(routes('A:0.1', 'B:0.15', 'A:0.2', 'B:0.15'))).toBe('A');
  });

  it('property: the fallback is always one of the routed agents', () => {
    const route = fc.record({ agent: fc.constantFrom('A', 'B', 'C'), confidence: fc.double({ min: 0, max: 1, noNaN: true }), at: fc.nat() });
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 10 }), (rs) => {
        expect(rs.map((r) => r.agent)).toContain(chooseFallbackAgent(rs));
      }),
    );
  });
});

describe('decideRoute', () => {
  it('routes normally without a loop or pin, follows a pin, and breaks a loop even when pinned', () => {
    expect(decideRoute(routes('A', 'B'), null)).toEqual({ action: 'route_normally' });
    expect(decideRoute(routes('A'), 'OrderAgent')).toEqual({ action: 'use_pinned_agent', agent: 'OrderAgent' });
    const d = decideRoute(routes('A:0.55', 'B:0.52', 'A:0.5', 'B:0.51'), 'OrderAgent');
    expect(d).toMatchObject({ action: 'break_loop', agent: 'A', response: CLARIFICATION_RESPONSE, verdict: { rule: 'oscillation' } });
  });
});

describe('parseRouteDecision', () => {
  it('accepts the contract shape and rejects anything else', () => {
    expect(parseRouteDecision('{"agent":"A","confidence":0.7,"at":1,"extra":true}')).toEqual({ agent: 'A', confidence: 0.7, at: 1 });
    for (const bad of ['not json', '[]', '{"agent":"","confidence":0.5,"at":1}', '{"agent":"A","confidence":1.5,"at":1}', '{"agent":"A","confidence":0.5}', '{"agent":"A\\n","confidence":0.5,"at":1}']) {
      expect(parseRouteDecision(bad)).toBeNull();
    }
  });
});
