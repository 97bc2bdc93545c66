import { alarmProbe } from './alarm-probe.js';

/** Scenario 4's entry: manga_sessions_validation_exception (ValidationException on session saves). */
export const sessionSaveValidationAlarm = alarmProbe('cloudwatch.session_save_validation_alarm', 'validationErrors');
