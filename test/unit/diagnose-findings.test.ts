import { describe, expect, it } from 'vitest';
import { fixCommand, judgeWalk, shellWord, type WalkOrigin } from '../../src/diagnose/findings.js';
import type { ProbeResult } from '../../src/probes/index.js';
import { loadRunbookSet, walk, type ProbeId, type Runbook } from '../../src/runbooks/index.js';

/**
 * From a walk to a verdict, on the real runbooks and the real walker: the answers are the
 * input data of a pure function, given per probe id.
 */
const set = loadRunbookSet();
const rb = (id: string): Runbook => set.runbook(id)!;

function answers(table: Partial<Record<ProbeId, ProbeResult>>) {
  return (id: ProbeId): ProbeResult => table[id] ?? { status: 'unknown', error: `no data for ${id}`, evidence: [] };
}
const said = (outcome: string, sessions: string[] = [], summary = outcome): ProbeResult => ({
  status: 'answered',
  outcome,
  evidence: [{ source: 'test', summary }],
  ...(sessions.length ? { affected: { count: sessions.length, ids: sessions } } : {}),
});
const origin = (runbook: Runbook, o: Partial<WalkOrigin> = {}): WalkOrigin => ({ runbook, selectedBy: 'signal', signals: ['alarm:sessionErrors'], signalled: true, scope: {}, ...o });

describe('a walk that reaches a root cause', () => {
  it('becomes a finding: severity, path, evidence per node, affected sessions, commands', async () => {
    const w = await walk(
      rb('s1'),
      answers({
        'cloudwatch.session_errors_alarm': said('ALARM'),
        'logs.session_load_error_types': said('JSONDecodeError', ['a', 'b']),
        'redis.corrupt_sessions': said('found', ['b', 'c']),
        'elasticache.failover_events': said('none'),
        // The race check at H is context: its sessions are not the finding's.
        'logs.concurrent_session_requests': said('concurrent', ['z']),
      }),
    );
    const { check, finding } = judgeWalk(w, origin(rb('s1'), { scope: { config: '/etc/manga oncall/prod.json', region: 'ap-northeast-1' } }));
    expect(check.result).toBe('finding');
    expect(finding?.severity).toBe('P1');
    expect(finding?.rootCause).toEqual({ id: 'concurrent-write-race', title: "Concurrent write race condition on the session's turns" });
    expect(finding?.path).toEqual(['A', 'B', 'C', 'F', 'H', 'I']);
    expect(finding?.evidence.map((e) => [e.node, e.outcome])).toEqual([
      ['A', 'ALARM'],
      ['B', 'JSONDecodeError'],
      ['C', 'found'],
      ['F', 'none'],
      ['H', 'concurrent'],
    ]);
    expect(finding?.affectedSessions).toEqual({ count: 3, sample: ['a', 'b', 'c'] });
    expect(finding?.remediations[0]?.command).toBe("manga-oncall fix fleet --scenario 1 --action restore-backup --config '/etc/manga oncall/prod.json' --region ap-northeast-1");
  });
});

describe('a walk that ends at an exit', () => {
  it('is a hand-off finding when the alert fired', async () => {
    const w = await walk(rb('s4'), answers({ 'cloudwatch.session_save_validation_alarm': said('ALARM'), 'logs.session_save_failed_message': said('other', ['x']) }));
    const { finding } = judgeWalk(w, origin(rb('s4')));
    expect(finding).toMatchObject({ verdict: 'other-runbook', rootCause: { id: 's4.D', title: 'Different issue' }, remediations: [], affectedSessions: { count: 1 } });
    expect(finding?.handoff?.runbook).toBeNull();
  });

  it('is dismissed when the flowchart says it is no incident', async () => {
    const w = await walk(rb('s2'), answers({ 'cloudwatch.routing_count_alarm': said('ALARM'), 'logs.routing_pattern': said('multi_agent') }));
    const { check, finding } = judgeWalk(w, origin(rb('s2')));
    expect(finding).toBeUndefined();
    expect(check.result).toBe('dismissed');
    expect(check.path).toEqual(['A', 'B', 'D']);
  });

  it('is only "not observed" without an alert, and "unknown" when a failed source hid the alert', async () => {
    const w = await walk(rb('s5'), answers({ 'logs.concurrent_session_requests': said('single') }));
    expect(judgeWalk(w, origin(rb('s5'), { signalled: false, selectedBy: 'flag', signals: [] })).check.result).toBe('not_observed');
    expect(judgeWalk(w, origin(rb('s5'), { signalled: false, selectedBy: 'unchecked', signals: [] })).check.result).toBe('unknown');
  });
});

describe('a walk that stops', () => {
  it('on an unanswerable probe is unknown, with the question and its choices', async () => {
    const w = await walk(rb('s1'), answers({ 'cloudwatch.session_errors_alarm': said('ALARM') }));
    const { check } = judgeWalk(w, origin(rb('s1')));
    expect(check.result).toBe('unknown');
    expect(check.question).toMatchObject({ node: 'B', text: 'Check error type in CloudWatch Logs', error: 'no data for logs.session_load_error_types' });
    expect(check.question?.choices.map((c) => c.outcomes)).toEqual([['JSONDecodeError'], ['RedisConnectionError'], ['KeyError', 'TypeError']]);
  });

  it('on an outcome no branch takes is unexplained under an alert, quiet otherwise', async () => {
    const w = await walk(rb('s1'), answers({ 'logs.session_load_error_types': said('none') }));
    expect(judgeWalk(w, origin(rb('s1'))).check.result).toBe('unexplained');
    expect(judgeWalk(w, origin(rb('s1'), { signalled: false, selectedBy: 'unchecked' })).check.result).toBe('not_observed');
  });
});

describe('commands ready to paste', () => {
  it('quote what a shell would split or expand', () => {
    expect(shellWord('/tmp/lab/config.json')).toBe('/tmp/lab/config.json');
    expect(shellWord("it's here")).toBe("'it'\\''s here'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
    expect(fixCommand(5, 'release-lock', { sessionId: 'sess-1', profile: 'oncall' })).toBe('manga-oncall fix session sess-1 --action release-lock --profile oncall');
  });
});
