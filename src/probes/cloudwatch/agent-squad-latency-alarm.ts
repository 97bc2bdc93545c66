import { alarmProbe } from './alarm-probe.js';

/** Scenario 5's entry: agent_squad_p99_latency (AgentSquadLatency p99 > 5 s). */
export const agentSquadLatencyAlarm = alarmProbe('cloudwatch.agent_squad_latency_alarm', 'p99Latency');
