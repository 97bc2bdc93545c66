import { alarmProbe } from './alarm-probe.js';

/** Scenario 1's entry: manga_session_errors (SessionErrors > 50/min). */
export const sessionErrorsAlarm = alarmProbe('cloudwatch.session_errors_alarm', 'sessionErrors');
