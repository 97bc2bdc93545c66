import { randomUUID } from 'node:crypto';
import { EmulatorError, type ServiceName } from './types.js';

/**
 * Fault injection for the lab: make a service (or one of its operations) slow, throttled,
 * failing with 5xx, or hung, so that every timeout, retry and "source unavailable" path of
 * manga-oncall can be exercised against real SDK clients.
 */
export type FaultKind = 'latency' | 'throttle' | '5xx' | 'hang';

export const FAULT_KINDS: readonly FaultKind[] = ['latency', 'throttle', '5xx', 'hang'];

export interface FaultSpec {
  service: ServiceName;
  /** API operation name (e.g. `GetMetricData`); absent = every operation of the service. */
  operation?: string;
  kind: FaultKind;
  /** Added delay for `latency` faults, in milliseconds. */
  latencyMs?: number;
  /** Fire this many times, then retire; absent = until cleared. */
  times?: number;
  /** Chance (0..1] that a matching request is affected; absent = always. */
  probability?: number;
  /** For `5xx`: 503 ServiceUnavailable (default) or 500 InternalFailure. */
  status?: 500 | 503;
}

/** An injected fault as listed by the controller. */
export interface ActiveFault extends FaultSpec {
  readonly id: string;
  /** How many requests it has affected so far. */
  fired: number;
}

/** What the server must do with one request before (or instead of) handling it. */
export interface FaultDecision {
  /** Sum of the latency faults that fired. */
  delayMs: number;
  /** An error to answer with instead of calling the service. */
  error?: EmulatorError;
  /** Resolves when the hang that fired is cleared; the server answers nothing until then. */
  hang?: Promise<void>;
}

/** The exception each service really returns when throttling, with its status. */
const THROTTLE: Record<ServiceName, { code: string; status: number }> = {
  logs: { code: 'ThrottlingException', status: 400 },
  monitoring: { code: 'Throttling', status: 400 },
  elasticache: { code: 'Throttling', status: 400 },
  sts: { code: 'Throttling', status: 400 },
};

function serverError(service: ServiceName, status: 500 | 503): EmulatorError {
  if (status === 500) return new EmulatorError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
  const code = service === 'logs' ? 'ServiceUnavailableException' : 'ServiceUnavailable';
  return new EmulatorError(code, 'The service is currently unavailable. Try again later.', 503);
}

/** Validates a spec from outside (the admin API) and returns an error message, or undefined. */
export function faultSpecProblem(spec: FaultSpec): string | undefined {
  if (!FAULT_KINDS.includes(spec.kind)) return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  if (spec.kind === 'latency' && !(typeof spec.latencyMs === 'number' && spec.latencyMs >= 0)) return 'a latency fault needs latencyMs >= 0';
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) return 'times must be a positive integer';
  if (spec.probability !== undefined && !(spec.probability > 0 && spec.probability <= 1)) return 'probability must be in (0, 1]';
  if (spec.status !== undefined && spec.status !== 500 && spec.status !== 503) return 'status must be 500 or 503';
  return undefined;
}

export class FaultController {
  private faults: ActiveFault[] = [];
  /** Release functions of hung requests, by fault id: a retired fault's hangs stay hung. */
  private readonly hangs = new Map<string, Set<() => void>>();

  /** @param random source of randomness for `probability` (injectable for tests). */
  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a fault; throws a TypeError for an invalid spec. */
  inject(spec: FaultSpec): ActiveFault {
    const problem = faultSpecProblem(spec);
    if (problem) throw new TypeError(`invalid fault: ${problem}`);
    const fault: ActiveFault = { ...spec, id: randomUUID(), fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** The faults still armed, oldest first. */
  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Disarms one fault and releases the requests it hung; false if the id is unknown. */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    const released = this.release(id);
    return released || this.faults.length < before;
  }

  /** Disarms every fault and releases every hung request (they are then answered normally). */
  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    for (const id of [...this.hangs.keys()]) this.release(id);
    return count;
  }

  /**
   * Decides the fate of one request and counts it against the faults that fire. Every
   * matching latency fault adds its delay; the first matching error or hang fault wins.
   */
  decide(service: ServiceName, operation: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 };
    for (const fault of [...this.faults]) {
      if (fault.service !== service || (fault.operation !== undefined && fault.operation !== operation)) continue;
      if (fault.kind !== 'latency' && (decision.error || decision.hang)) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      this.fire(fault);
      if (fault.kind === 'latency') decision.delayMs += fault.latencyMs ?? 0;
      else if (fault.kind === 'throttle') decision.error = new EmulatorError(THROTTLE[service].code, 'Rate exceeded', THROTTLE[service].status);
      else if (fault.kind === '5xx') decision.error = serverError(service, fault.status ?? 503);
      else decision.hang = this.hold(fault.id);
    }
    return decision;
  }

  private fire(fault: ActiveFault): void {
    fault.fired += 1;
    if (fault.times !== undefined && fault.fired >= fault.times) this.faults = this.faults.filter((f) => f !== fault);
  }

  private hold(id: string): Promise<void> {
    return new Promise((resolve) => {
      let waiting = this.hangs.get(id);
      if (!waiting) this.hangs.set(id, (waiting = new Set()));
      waiting.add(resolve);
    });
  }

  private release(id: string): boolean {
    const waiting = this.hangs.get(id);
    this.hangs.delete(id);
    waiting?.forEach((resolve) => resolve());
    return waiting !== undefined;
  }
}
