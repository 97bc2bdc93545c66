import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { handleAdmin, type AdminContext } from './admin.js';
import { ElastiCacheService } from './elasticache/service.js';
import { FaultController } from './faults.js';
import { createLogsService, type LogsService } from './logs/service.js';
import { MonitoringService, type Clock } from './monitoring/service.js';
import { StsService, type IssuedSession } from './sts/service.js';
import { UndecodableRequest, decodeCall, encodeError, encodeResult, type WireCall, type WireProtocol, type WireReply } from './protocols/codec.js';
import { EmulatorError, type EmulatedService, type ServiceName } from './types.js';

/**
 * One HTTP server on loopback serving the emulated CloudWatch Logs, CloudWatch and
 * ElastiCache to unmodified AWS clients, plus the admin API under `/_lab/`. Each request is
 * decoded by protocol (protocols/codec.ts), passed through fault injection, handed to its
 * service as a plain object, and answered in the protocol it came in.
 */
export interface EmulatorOptions {
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /** Loopback only: the lab accepts any credentials, so it must not listen elsewhere. */
  host?: '127.0.0.1';
  /** The CloudWatch Logs service; absent: a fresh one from ./logs/service.js on the same clock. */
  logs?: LogsService;
  /** Epoch-ms clock for timestamps and alarm evaluation (tests pass a controllable one). */
  clock?: Clock;
  /** Called after each API call is answered (for the supervisor's log, and tests). */
  onCall?: (call: CallRecord) => void;
  /** Told of every session STS AssumeRole issues (e.g. to make s3rver accept its key). */
  onAssumeRole?: (session: IssuedSession) => void;
}

/** One answered API call: which protocol carried it and how it ended. */
export interface CallRecord {
  protocol: WireProtocol;
  service: ServiceName;
  operation: string;
  status: number;
  /** The error code, when the call failed. */
  error?: string;
  /** The access key that signed the call (which credentials a command used). */
  accessKeyId?: string;
}

export interface RunningEmulator {
  /** http://127.0.0.1:<port>, for every client's endpoint setting. */
  readonly endpoint: string;
  readonly port: number;
  readonly faults: FaultController;
  readonly monitoring: MonitoringService;
  readonly elasticache: ElastiCacheService;
  readonly logs: LogsService;
  readonly sts: StsService;
  /** Forgets all data of every service and all faults. */
  reset(): void;
  /** Closes the server, dropping open connections (hung requests included). Never hangs. */
  stop(): Promise<void>;
}

/** Request bodies above this are refused: PutMetricData's own limit is 1 MB. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new EmulatorError('RequestEntityTooLarge', 'The request body is too large.', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: WireReply): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
  res.end(reply.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Waits for a hang to be released or the server to stop, leaving no listener behind. */
async function releasedOrStopped(released: Promise<void>, stopping: AbortSignal): Promise<void> {
  if (stopping.aborted) return;
  let onAbort = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (onAbort = resolve));
  stopping.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([released, stopped]);
  } finally {
    stopping.removeEventListener('abort', onAbort);
  }
}

/** Starts the emulator; resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = opts.clock ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  const faults = new FaultController();
  const monitoring = new MonitoringService(clock);
  const elasticache = new ElastiCacheService(clock);
  const logs = opts.logs ?? createLogsService({ clock });
  const sts = new StsService(clock, opts.onAssumeRole);
  const services: Record<ServiceName, EmulatedService> = { logs, monitoring, elasticache, sts };
  const stopping = new AbortController();

  const reset = (): void => {
    faults.clear();
    for (const s of Object.values(services)) s.reset?.();
  };
  const admin: AdminContext = { faults, elasticache, services: Object.values(services), reset };

  async function serveApi(req: IncomingMessage, res: ServerResponse, path: string, search: string, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    let call: WireCall;
    try {
      call = decodeCall({ method: req.method ?? 'GET', path, search, headers: req.headers, body });
    } catch (err) {
      if (!(err instanceof UndecodableRequest)) throw err;
      send(res, encodeError(err.protocol, err.wire, err.error, requestId));
      return;
    }
    const record = (status: number, error?: string) =>
      opts.onCall?.({
        protocol: call.protocol,
        service: call.wire.name,
        operation: call.operation,
        status,
        ...(error ? { error } : {}),
        ...(call.accessKeyId ? { accessKeyId: call.accessKeyId } : {}),
      });
    const fail = (e: EmulatorError) => {
      send(res, encodeError(call.protocol, call.wire, e, requestId));
      record(e.status, e.code);
    };
    const service = services[call.wire.name];
    const decision = faults.decide(call.wire.name, call.operation);
    try {
      if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { signal: stopping.signal });
      if (decision.hang) await releasedOrStopped(decision.hang, stopping.signal);
    } catch {
      // Aborted by stop(): the connection is being dropped, there is no one to answer.
    }
    if (stopping.signal.aborted) {
      res.destroy();
      return;
    }
    if (decision.error) {
      fail(decision.error);
      return;
    }
    try {
      send(res, encodeResult(call, await service.handle(call.operation, call.input, { accessKeyId: call.accessKeyId }), requestId));
      record(200);
    } catch (err) {
      if (!(err instanceof EmulatorError)) {
        fail(new EmulatorError('InternalFailure', `emulator bug in ${call.wire.name}.${call.operation}: ${(err as Error).message}`, 500));
      } else if (err.code === 'InvalidAction' && call.protocol !== 'query') {
        // JSON and CBOR clients expect this name for an operation the service lacks.
        fail(new EmulatorError('UnknownOperationException', err.message, 400));
      } else {
        fail(err);
      }
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    let body: Buffer;
    try {
      body = await readBody(req);
      if (/\bgzip\b/.test(String(req.headers['content-encoding'] ?? ''))) body = gunzipSync(body);
    } catch (err) {
      const e = err instanceof EmulatorError ? err : new EmulatorError('SerializationException', 'The request body could not be read.');
      sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      return;
    }
    if (url.pathname === '/_lab' || url.pathname.startsWith('/_lab/')) {
      const reply = handleAdmin(req.method ?? 'GET', url.pathname, body, admin);
      sendJson(res, reply.status, reply.body);
      return;
    }
    await serveApi(req, res, url.pathname, url.search.replace(/^\?/, ''), body);
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      sendJson(res, 500, { error: { code: 'InternalFailure', message: (err as Error).message } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    faults,
    monitoring,
    elasticache,
    logs,
    sts,
    reset,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopping.abort();
        server.close(() => resolve());
        // close() waits for open connections: drop them, idle keep-alives and hung requests alike.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
