import { alarmProbe } from './alarm-probe.js';

/** Scenario 2's entry: agent_routing_count (more than 3 routes in one session turn). */
export const routingCountAlarm = alarmProbe('cloudwatch.routing_count_alarm', 'routingCount');
