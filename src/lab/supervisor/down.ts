import { rmSync } from 'node:fs';
import { isAlive, isLabRedis, isLabSupervisor, portRefuses, stopProcess } from './processes.js';
import { removeLabStateIfOurs, type LabPaths, type LabState } from './state.js';

/** How a process of the lab ended: see {@link stopProcess}. */
export type StopOutcome = Awaited<ReturnType<typeof stopProcess>>;

export interface TakeDownResult {
  supervisor: { pid: number; outcome: StopOutcome };
  /** null when the lab used an existing Redis (never stopped by the lab). */
  redis: { pid: number; outcome: StopOutcome } | null;
  /** What is still there after everything was tried (a pid, a port); empty when clean. */
  leftovers: string[];
}

/** The supervisor gets this long to stop its services before it is killed. */
const SUPERVISOR_GRACE_MS = 10_000;
const REDIS_GRACE_MS = 3000;

/**
 * Stops everything a lab started, whether its supervisor is healthy or was killed:
 * SIGTERM to the supervisor (which stops the emulator, dynalite, s3rver and its
 * redis-server child), SIGKILL after a grace period, then the recorded redis-server pid
 * for the case where the supervisor died without stopping it (an orphan). Each pid is
 * signalled only while its command line still proves it is ours. Then the lab's files go
 * (state, config, manifest, data; the supervisor log stays for the post-mortem), and every
 * pid and port is checked: whatever is still there is reported in `leftovers`.
 */
export async function takeDownLab(state: LabState, paths: LabPaths): Promise<TakeDownResult> {
  const supervisorPid = state.supervisor.pid;
  const supervisorOurs = () => isLabSupervisor(supervisorPid, state.dir);
  const supervisor = { pid: supervisorPid, outcome: await stopProcess(supervisorPid, supervisorOurs, SUPERVISOR_GRACE_MS) };

  let redis: TakeDownResult['redis'] = null;
  const redisPid = state.redis.pid;
  const redisOurs = () => redisPid !== null && isLabRedis(redisPid, state.redis.port);
  if (!state.redis.external && redisPid !== null) {
    redis = { pid: redisPid, outcome: await stopProcess(redisPid, redisOurs, REDIS_GRACE_MS) };
  }

  removeLabStateIfOurs(paths.state, state.labId);
  for (const file of [paths.config, paths.manifest]) rmSync(file, { force: true });
  rmSync(paths.data, { recursive: true, force: true });

  const leftovers: string[] = [];
  if (isAlive(supervisorPid) && supervisorOurs()) leftovers.push(`supervisor pid ${supervisorPid} is still running`);
  if (redisPid !== null && isAlive(redisPid) && redisOurs()) leftovers.push(`redis-server pid ${redisPid} is still running`);
  const ports: Array<[string, number]> = [
    ['dynamodb', state.ports.dynamodb],
    ['s3', state.ports.s3],
    ['emulator', state.ports.emulator],
  ];
  if (!state.redis.external) ports.push(['redis', state.ports.redis]);
  const refused = await Promise.all(ports.map(([, port]) => portRefuses(port)));
  ports.forEach(([name, port], i) => {
    if (!refused[i]) leftovers.push(`port ${port} (${name}) still accepts connections`);
  });
  return { supervisor, redis, leftovers };
}
