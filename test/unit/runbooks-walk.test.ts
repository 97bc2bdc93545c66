import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadRunbookSet,
  probeSpec,
  probesOf,
  resumeWalk,
  RunbookError,
  selectScenarios,
  walk,
  type AnswerFn,
  type ProbeAnswer,
  type RunbookDocument,
  type StoppedWalk,
  type WalkResult,
} from '../../src/runbooks/index.js';

const set = loadRunbookSet();
const DOCS: RunbookDocument[] = [...set.runbooks, set.tree];

/** Every path from the entry to a node without outgoing edges, as node ids. */
function allPaths(doc: RunbookDocument): string[][] {
  const paths: string[][] = [];
  const go = (path: string[]) => {
    const next = doc.edges.filter((e) => e.from === path.at(-1));
    if (next.length === 0) paths.push(path);
    for (const e of next) go([...path, e.to]);
  };
  go([doc.entry]);
  return paths;
}

/**
 * The answers, one outcome per probe (as a real engine answers: one result per probe, however
 * many nodes ask it), that make the walk take `path`. Returns every consistent choice, so each
 * outcome of a multi-outcome edge is exercised; none when the path is contradictory.
 */
function answersFor(doc: RunbookDocument, path: string[]): Map<string, string>[] {
  const need = new Map<string, string[]>();
  for (let i = 1; i < path.length; i++) {
    const edge = doc.edges.find((e) => e.from === path[i - 1] && e.to === path[i])!;
    if (!edge.outcomes) continue;
    const node = doc.nodes.find((n) => n.id === edge.from)!;
    const probe = (node as { probe: string }).probe;
    const prior = need.get(probe);
    need.set(probe, prior ? prior.filter((o) => edge.outcomes!.includes(o)) : [...edge.outcomes]);
  }
  const width = Math.max(1, ...[...need.values()].map((v) => v.length));
  if ([...need.values()].some((v) => v.length === 0)) return [];
  return Array.from({ length: width }, (_, k) => new Map([...need].map(([p, os]) => [p, os[Math.min(k, os.length - 1)]!])));
}

/** Answers from a table; probes not in it (evidence ones) answer their first outcome. */
function answerer(table: Map<string, string>, asked: string[] = []): AnswerFn {
  return async (probe, node) => {
    asked.push(`${node.id}:${probe}`);
    const outcome = table.get(probe) ?? probeSpec(probe)!.outcomes[0]!;
    return { status: 'answered', outcome, evidence: [{ source: 'test', summary: `${probe}=${outcome}`, query: `q(${probe})` }] };
  };
}

function expectedStatus(doc: RunbookDocument, end: string): WalkResult['status'] {
  const kind = doc.nodes.find((n) => n.id === end)!.kind;
  return kind === 'exit' ? 'exit' : kind === 'resolution' ? 'scenario' : 'root_cause';
}

describe('walk: every branch of every flowchart is reachable', () => {
  it.each(DOCS.map((d) => [d.id, d] as const))('%s', async (_id, doc) => {
    const covered = new Set<string>();
    const paths = allPaths(doc);
    expect(paths.length).toBeGreaterThan(1);
    for (const path of paths) {
      const variants = answersFor(doc, path);
      expect(variants.length, `path ${path.join('>')} needs contradictory answers`).toBeGreaterThan(0);
      for (const table of variants) {
        const r = await walk(doc, answerer(table));
        expect(r.path).toEqual(path);
        expect(r.status).toBe(expectedStatus(doc, path.at(-1)!));
        for (let i = 1; i < path.length; i++) covered.add(`${path[i - 1]}>${path[i]}:${table.get((doc.nodes.find((n) => n.id === path[i - 1]) as { probe?: string }).probe ?? '') ?? ''}`);
        // Evidence is recorded at every node with a probe, decisions included.
        for (const step of r.steps) {
          if (step.probe) expect(step.answer?.evidence[0]?.summary).toMatch(new RegExp(`^${step.probe.replace('.', '\\.')}=`));
        }
        if (r.status === 'root_cause') {
          const cause = [...path].reverse().find((id) => doc.nodes.find((n) => n.id === id)?.kind === 'root_cause');
          expect(r.rootCauseNode).toBe(cause);
          expect(r.rootCause.remediations.length).toBeGreaterThan(0);
        }
      }
    }
    // Every edge, and every outcome bound to it, was taken by some walk.
    for (const e of doc.edges) {
      for (const o of e.outcomes ?? ['']) expect(covered, `${e.from}>${e.to}:${o}`).toContain(`${e.from}>${e.to}:${o}`);
    }
  });

  it('s1 with JSONDecodeError and a failover: the seed path to "partial writes during failover"', async () => {
    const r = await walk(set.find('s1')!, answerer(new Map([['logs.session_load_error_types', 'JSONDecodeError'], ['elasticache.failover_events', 'failover']])));
    expect(r).toMatchObject({ status: 'root_cause', path: ['A', 'B', 'C', 'F', 'G', 'I'], end: 'I', rootCauseNode: 'G' });
    if (r.status !== 'root_cause') return;
    expect(r.rootCause.id).toBe('redis-failover-partial-write');
    expect(r.rootCause.remediations.map((x) => x.action)).toEqual(['restore-backup', 'partial-recover', 'clean-slate']);
    expect(r.steps[1]).toMatchObject({ node: 'B', probe: 'logs.session_load_error_types', answeredBy: 'probe', next: { to: 'C', label: 'JSONDecodeError', outcome: 'JSONDecodeError' } });
  });

  it('an exit names the other runbook or none, with the reason', async () => {
    const r = await walk(set.find('s5')!, answerer(new Map([['logs.concurrent_session_requests', 'single']])));
    expect(r).toMatchObject({ status: 'exit', end: 'D', otherRunbook: null, path: ['A', 'B', 'D'] });
    if (r.status === 'exit') expect(r.reason).toMatch(/latency/);
  });

  it('asks each probe of the path once, in walk order, and accepts synchronous answers', async () => {
    const asked: string[] = [];
    const table = new Map([['logs.routing_pattern', 'oscillation'], ['logs.routing_confidence', 'fluctuating']]);
    const async = answerer(table, asked);
    const sync: AnswerFn = (probe) => ({ status: 'answered', outcome: table.get(probe) ?? probeSpec(probe)!.outcomes[0]!, evidence: [] });
    const r = await walk(set.find('s2')!, async);
    expect(asked).toEqual(['A:cloudwatch.routing_count_alarm', 'B:logs.routing_pattern', 'C:redis.routing_loops', 'E:logs.routing_confidence']);
    expect((await walk(set.find('s2')!, sync)).path).toEqual(r.path);
    expect(r).toMatchObject({ status: 'root_cause', rootCauseNode: 'G' });
  });

  it('a probe that throws rejects the walk with its error', async () => {
    const boom = new Error('bug in probe');
    await expect(walk(set.find('s4')!, () => { throw boom; })).rejects.toBe(boom);
  });
});

describe('walk: unknown answers stop, and the walk resumes with the engineer’s answer', () => {
  const unknownAt = (doc: RunbookDocument, probe: string, table = new Map<string, string>()): AnswerFn => (p, node) =>
    p === probe ? { status: 'unknown', error: `${p} timed out`, evidence: [{ source: 'test', summary: 'partial' }] } : answerer(table)(p, node);

  it('stops at the decision whose probe cannot answer, with the seed question and edge labels as choices', async () => {
    const s1 = set.find('s1')!;
    const r = await walk(s1, unknownAt(s1, 'logs.session_load_error_types'));
    expect(r).toMatchObject({ status: 'unknown', at: 'B', path: ['A', 'B'], error: 'logs.session_load_error_types timed out' });
    if (r.status !== 'unknown') return;
    expect(r.question.text).toBe('Check error type\nin CloudWatch Logs');
    expect(r.question.probe).toBe('logs.session_load_error_types');
    expect(r.question.choices).toEqual([
      { label: 'JSONDecodeError', outcomes: ['JSONDecodeError'], to: 'C' },
      { label: 'RedisConnectionError', outcomes: ['RedisConnectionError'], to: 'D' },
      { label: 'KeyError / TypeError', outcomes: ['KeyError', 'TypeError'], to: 'E' },
    ]);
  });

  it('an unlabelled seed edge offers the target node as its choice', async () => {
    const s4 = set.find('s4')!;
    const r = await walk(s4, unknownAt(s4, 'dynamodb.long_sessions', new Map([['logs.session_save_failed_message', 'item_size']])));
    expect(r.status).toBe('unknown');
    if (r.status === 'unknown') expect(r.question.choices).toEqual([{ label: 'Sessions with\nturn_count > 100\nor active_duration > 1h', outcomes: ['found'], to: 'F' }]);
  });

  it('an evidence probe that cannot answer does not stop the walk', async () => {
    const s1 = set.find('s1')!;
    const r = await walk(s1, unknownAt(s1, 'cloudwatch.session_errors_alarm', new Map([['logs.session_load_error_types', 'RedisConnectionError']])));
    expect(r).toMatchObject({ status: 'exit', path: ['A', 'B', 'D'] });
    expect(r.steps[0]?.answer).toMatchObject({ status: 'unknown', error: 'cloudwatch.session_errors_alarm timed out' });
  });

  it('an outcome no edge takes stops as no_branch, resumable like a question', async () => {
    const s3 = set.find('s3')!;
    const r = await walk(s3, answerer(new Map([['catalog.unknown_response_titles', 'all_in_catalog']])));
    expect(r).toMatchObject({ status: 'no_branch', at: 'B', outcome: 'all_in_catalog', path: ['A', 'B'] });
    const resumed = await resumeWalk(s3, r as StoppedWalk, 'missing', answerer(new Map([['logs.tool_timeout_continuation', 'continued']])));
    expect(resumed).toMatchObject({ status: 'root_cause', path: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'I'] });
  });

  it.each(DOCS.map((d) => [d.id, d] as const))('%s: stopping at each decision and resuming with each choice equals the full walk', async (_id, doc) => {
    for (const path of allPaths(doc)) {
      for (const table of answersFor(doc, path)) {
        const full = await walk(doc, answerer(table));
        for (const id of path) {
          const node = doc.nodes.find((n) => n.id === id)!;
          if (!('probe' in node) || !node.probe || !doc.edges.some((e) => e.from === id && e.outcomes)) continue;
          const probe = node.probe;
          const down = unknownAt(doc, probe, table);
          let r = await walk(doc, down);
          // A probe asked earlier on the path (s3's D and F share one) stops the walk there first,
          // and every node bound to it asks again: the engineer answers each question in turn.
          const stops: string[] = [];
          while (r.status === 'unknown') {
            stops.push(r.at);
            expect(r.question.probe).toBe(probe);
            r = await resumeWalk(doc, r, table.get(probe)!, down);
          }
          expect(stops).toContain(id);
          expect(r.path).toEqual(full.path);
          expect(r.status).toBe(full.status);
          for (const at of stops) {
            const given = r.steps.find((s) => s.node === at)!;
            expect(given.answeredBy).toBe('engineer');
            expect(given.answer?.evidence.map((e) => e.source)).toEqual(['test', 'engineer']);
          }
        }
      }
    }
  });

  it('resume rejects an outcome that answers no choice, and a walk of another runbook', async () => {
    const s1 = set.find('s1')!;
    const stopped = (await walk(s1, unknownAt(s1, 'logs.session_load_error_types'))) as StoppedWalk;
    await expect(async () => resumeWalk(s1, stopped, 'none', answerer(new Map()))).rejects.toThrow(/choose one of JSONDecodeError, RedisConnectionError, KeyError, TypeError/);
    await expect(async () => resumeWalk(set.find('s2')!, stopped, 'JSONDecodeError', answerer(new Map()))).rejects.toBeInstanceOf(RunbookError);
    // The stopped walk is left as it was.
    expect(stopped.path).toEqual(['A', 'B']);
  });
});

describe('walk: any answers whatsoever end in a well-formed result', () => {
  it('property: random outcomes and unknowns always give a valid path and a consistent stop', async () => {
    const docs = fc.constantFrom(...DOCS);
    await fc.assert(
      fc.asyncProperty(docs, fc.infiniteStream(fc.nat()), async (doc, picks) => {
        const it = picks[Symbol.iterator]();
        const answer: AnswerFn = (probe): ProbeAnswer => {
          const outcomes = probeSpec(probe)!.outcomes;
          const k = it.next().value as number;
          return k % (outcomes.length + 1) === outcomes.length ? { status: 'unknown', evidence: [] } : { status: 'answered', outcome: outcomes[k % (outcomes.length + 1)]!, evidence: [] };
        };
        const r = await walk(doc, answer);
        expect(r.path[0]).toBe(doc.entry);
        for (let i = 1; i < r.path.length; i++) {
          expect(doc.edges.some((e) => e.from === r.path[i - 1] && e.to === r.path[i])).toBe(true);
          expect(r.steps[i - 1]?.next?.to).toBe(r.path[i]);
        }
        const last = r.path.at(-1)!;
        if (r.status === 'unknown' || r.status === 'no_branch') expect(r.at).toBe(last);
        else {
          expect(r.end).toBe(last);
          expect(doc.edges.some((e) => e.from === last)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('probesOf', () => {
  it('lists each probe once, in node order, for prefetching', () => {
    expect(probesOf(set.find('s1')!)).toEqual([
      'cloudwatch.session_errors_alarm',
      'logs.session_load_error_types',
      'redis.corrupt_sessions',
      'elasticache.failover_events',
      'logs.concurrent_session_requests',
    ]);
    expect(probesOf(set.find('s3')!)).toEqual(['catalog.unknown_response_titles', 'logs.tool_timeout_continuation']);
    expect(probesOf(set.tree)).toEqual(['triage.alert_signals']);
  });
});

describe('selectScenarios: signals to runbooks through the tree', () => {
  it('maps each signal of the tree to its scenario', () => {
    const one = (s: Parameters<typeof selectScenarios>[1]) => selectScenarios(set.tree, s).map((x) => x.runbook);
    expect(one(['error:JSONDecodeError'])).toEqual(['s1']);
    expect(one(['alarm:sessionErrors'])).toEqual(['s1']);
    expect(one(['alarm:routingCount'])).toEqual(['s2']);
    expect(one(['report:wrong_data'])).toEqual(['s3']);
    expect(one(['error:ValidationException'])).toEqual(['s4']);
    expect(one(['alarm:validationErrors'])).toEqual(['s4']);
    expect(one(['alarm:p99Latency'])).toEqual(['s5']);
    expect(one(['error:WatchError'])).toEqual(['s5']);
  });

  it('follows every matching branch at once, in tree order, each scenario once', () => {
    const r = selectScenarios(set.tree, new Set(['alarm:p99Latency', 'error:JSONDecodeError', 'alarm:sessionErrors', 'error:KeyError'] as const));
    expect(r).toEqual([
      { runbook: 's1', node: 'S1', via: 'Deserialization / JSON error', matched: ['error:JSONDecodeError', 'alarm:sessionErrors'] },
      { runbook: 's5', node: 'S5', via: 'Latency spike with concurrent requests', matched: ['alarm:p99Latency'] },
    ]);
  });

  it('selects nothing for no signal or signals the tree does not know', () => {
    expect(selectScenarios(set.tree, [])).toEqual([]);
    expect(selectScenarios(set.tree, ['alarm:somethingElse', 'error:KeyError'])).toEqual([]);
  });

  it('agrees with walking the tree one signal at a time', async () => {
    for (const e of set.tree.edges.filter((x) => x.outcomes)) {
      for (const o of e.outcomes!) {
        const r = await walk(set.tree, () => ({ status: 'answered', outcome: o, evidence: [] }));
        expect(r.status).toBe('scenario');
        if (r.status === 'scenario') expect(selectScenarios(set.tree, [o as `error:${string}`]).map((x) => x.runbook)).toEqual([r.target]);
      }
    }
  });
});
