import { ConfigError, parseDuration } from '../config/load.js';
import type { DiagnosisWindow } from '../probes/index.js';

/** `--since` when not given: the last half hour, the seed's detection times with margin. */
export const DEFAULT_SINCE = '30m';
/** CloudWatch Logs keeps what the account retains; two weeks bounds a query's cost. */
const MAX_SINCE_MS = 14 * 24 * 3_600_000;

export interface DiagnoseWindow extends DiagnosisWindow {
  /** The duration as given (`30m`). */
  since: string;
}

/** The window ending `now` and reaching back `since` (e.g. `30m`, `2h`). Throws ConfigError (exit 2) for a bad duration. */
export function windowFor(since: string = DEFAULT_SINCE, now: number = Date.now()): DiagnoseWindow {
  const ms = parseDuration(since);
  if (ms <= 0) throw new ConfigError(`--since must be a positive duration, not ${JSON.stringify(since)}`);
  if (ms > MAX_SINCE_MS) throw new ConfigError(`--since ${since} is longer than 14 days: narrow it`);
  return { start: now - ms, end: now, since };
}
