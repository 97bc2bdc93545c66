/**
 * The contract between the emulator's wire-protocol layer (server.ts and the protocol
 * codecs) and the emulated services (logs, monitoring, elasticache). A service sees and
 * returns plain objects shaped like the AWS API's input and output structures (PascalCase
 * member names as in the API reference); the protocol layer turns them into and out of
 * JSON 1.1, query/XML or CBOR on the wire, so a service never knows which client called.
 */
export type ServiceName = 'logs' | 'monitoring' | 'elasticache' | 'sts';

/** Who made a call, as far as the request tells: the access key of its SigV4 credential scope. */
export interface CallerContext {
  accessKeyId?: string;
}

export interface EmulatedService {
  readonly name: ServiceName;
  /** Handles one operation, e.g. ('PutLogEvents', {...}). Throws EmulatorError for API errors. */
  handle(operation: string, input: Record<string, unknown>, caller?: CallerContext): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Forgets all stored data (the admin API's `POST /_lab/reset`); optional. */
  reset?(): void;
}

/**
 * An API error as AWS returns it: `code` is the exception name the SDK exposes as
 * `err.name` (e.g. ResourceNotFoundException, MalformedQueryException, Throttling).
 */
export class EmulatorError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
    this.status = status;
  }
}
