import { PROBES, type ProbeId } from '../../runbooks/index.js';
import { isSourceError } from '../../sources/errors.js';
import { describeAlarm, readAlarm, type AlarmReading } from '../cloudwatch/alarm-probe.js';
import { ALARM_KEYS } from '../cloudwatch/questions.js';
import { errorEvents } from '../logs/questions.js';
import { answered, type ProbeDefinition, type ProbeResult } from '../types.js';

/** The signals the tree knows, in its own order (the first that holds is the answer). */
const SIGNAL_ORDER: readonly string[] = PROBES.find((p) => p.id === 'triage.alert_signals')?.outcomes ?? [];

/** Error types in the logs that are alert signals of their own (the tree's `error:` outcomes). */
const ERROR_SIGNALS: readonly { event: string; errorType: string }[] = [
  { event: 'session_load_failed', errorType: 'JSONDecodeError' },
  { event: 'session_save_failed', errorType: 'ValidationException' },
  { event: 'state_write_conflict', errorType: 'WatchError' },
];

/** The proactive scenario-3 check standing in for "a user reports wrong data". */
const WRONG_DATA_PROBE: ProbeId = 'catalog.unknown_response_titles';

/**
 * One family of signals: the ones that hold, or, when its source failed, the ones it could
 * not check (`possible`), so the engine can walk the runbooks those would have selected.
 */
type Check = { family: string; signals: string[]; summary: string } | { family: string; error: string; possible: string[] };

async function settle(family: string, possible: string[], run: () => Promise<{ signals: string[]; summary: string }>): Promise<Check> {
  try {
    return { family, ...(await run()) };
  } catch (err) {
    if (!isSourceError(err)) throw err;
    return { family, error: err.message, possible };
  }
}

/**
 * The cross-scenario tree's question ("What is the error type?"), answered from every
 * signal at once: the four alarms (firing now or beyond their threshold during the window),
 * the error types in the logs (JSONDecodeError, ValidationException, WatchError), and the
 * proactive scenario-3 check (answers after a tool timeout naming titles the catalog does
 * not have), which has no alarm and is run on every diagnosis. `outcomes` lists every signal
 * that holds; `unchecked` lists the signals a failed source left unknown, so the engine can
 * walk the runbooks it could not rule out. `none` when nothing signals.
 */
export const alertSignals: ProbeDefinition = {
  id: 'triage.alert_signals',
  sources: ['cloudwatch', 'logs', 'dynamodb'],
  namesAffected: false,
  async answer(ctx): Promise<ProbeResult> {
    const checks = await Promise.all([
      settle('alarms', ALARM_KEYS.map((k) => `alarm:${k}`), async () => {
        const readings: AlarmReading[] = await Promise.all(ALARM_KEYS.map((k) => readAlarm(ctx, k)));
        const firing = readings.filter((r) => r.firing);
        return {
          signals: firing.map((r) => `alarm:${r.key}`),
          summary: firing.length ? firing.map(describeAlarm).join('; ') : 'no alarm fired in the window',
        };
      }),
      settle('log errors', ERROR_SIGNALS.map((s) => `error:${s.errorType}`), async () => {
        const { rows } = await ctx.ask(errorEvents);
        const seen = ERROR_SIGNALS.filter((s) => rows.some((r) => r.event === s.event && r.errorType === s.errorType));
        return {
          signals: seen.map((s) => `error:${s.errorType}`),
          summary: seen.length ? `errors in the logs: ${seen.map((s) => `${s.errorType} (${s.event})`).join(', ')}` : 'no JSONDecodeError, ValidationException or WatchError in the logs',
        };
      }),
      ctx.probe(WRONG_DATA_PROBE).then((r): Check => {
        if (r.status === 'unknown') return { family: 'wrong data', error: r.error ?? 'its sources did not answer', possible: ['report:wrong_data'] };
        const missing = r.outcome === 'missing';
        return {
          family: 'wrong data',
          signals: missing ? ['report:wrong_data'] : [],
          summary: missing ? `ungrounded answers: ${r.evidence[0]?.summary ?? ''}` : 'no answer after a tool timeout named a title the catalog lacks',
        };
      }),
    ]);
    const signals = SIGNAL_ORDER.filter((s) => checks.some((c) => 'signals' in c && c.signals.includes(s)));
    const unchecked = checks.flatMap((c) => ('error' in c ? c.possible : []));
    const evidence = checks.map((c) => ({ source: 'triage', summary: 'error' in c ? `${c.family}: could not check (${c.error})` : c.summary }));
    return answered(signals[0] ?? 'none', evidence, { outcomes: signals, unchecked });
  },
};
