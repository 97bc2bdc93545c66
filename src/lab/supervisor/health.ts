import { connect } from 'node:net';
import { redactUrl } from '../../config/redact.js';
import type { LabEndpoints } from '../endpoints.js';

/**
 * Light health probes of a lab's services, with nothing heavier than `fetch` and a TCP
 * socket (no SDK, no ioredis), so `lab status` answers in milliseconds:
 * redis PING, dynalite ListTables, s3rver ListBuckets, the emulator's `/_lab/health`.
 */
export type LabServiceName = 'redis' | 'dynamodb' | 's3' | 'emulator';
export const LAB_SERVICES: readonly LabServiceName[] = ['redis', 'dynamodb', 's3', 'emulator'];

export interface ServiceHealth {
  service: LabServiceName;
  endpoint: string;
  up: boolean;
  latencyMs: number;
  /** Why it is down (connection refused, unexpected reply...). */
  error?: string;
}

/** dynalite checks that a signature is present, not that it is right. */
const LAB_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=lab/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000';

/** Sends PING (after AUTH when the URL carries credentials) and expects +PONG. */
export function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const commands: string[][] = [];
  if (u.password) commands.push(u.username ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.password)]);
  commands.push(['PING']);
  const resp = commands.map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join('');
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) });
    let reply = '';
    const fail = (err: Error) => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error(`no reply within ${timeoutMs} ms`)));
    sock.once('error', fail);
    sock.once('connect', () => sock.write(resp));
    sock.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n').filter((l) => l !== '');
      const bad = lines.find((l) => l.startsWith('-'));
      if (bad) fail(new Error(`redis replied ${bad.slice(1).split(' ')[0] ?? 'an error'}`));
      else if (lines.includes('+PONG')) {
        sock.end();
        resolve();
      }
    });
  });
}

async function expectOk(url: string, init: RequestInit, timeoutMs: number, check: (body: string) => boolean): Promise<void> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  if (!check(body)) throw new Error('unexpected reply');
}

const probes: Record<LabServiceName, (endpoints: LabEndpoints, timeoutMs: number) => Promise<void>> = {
  redis: (e, t) => pingRedis(e.redisUrl, t),
  dynamodb: (e, t) =>
    expectOk(
      e.dynamodb,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'x-amz-date': '20240101T000000Z',
          authorization: LAB_AUTHORIZATION,
        },
        body: '{}',
      },
      t,
      (body) => body.includes('TableNames'),
    ),
  s3: (e, t) => expectOk(`${e.s3}/`, { method: 'GET' }, t, (body) => body.includes('ListAllMyBucketsResult')),
  emulator: (e, t) => expectOk(`${e.emulator}/_lab/health`, { method: 'GET' }, t, (body) => (JSON.parse(body) as { status?: string }).status === 'ok'),
};

function endpointOf(endpoints: LabEndpoints, service: LabServiceName): string {
  // An external --redis-url may carry a password: never print it.
  return service === 'redis' ? redactUrl(endpoints.redisUrl) : endpoints[service];
}

/** Probes every service concurrently; never throws. */
export async function probeLab(endpoints: LabEndpoints, timeoutMs = 2000): Promise<ServiceHealth[]> {
  return Promise.all(
    LAB_SERVICES.map(async (service): Promise<ServiceHealth> => {
      const started = performance.now();
      const endpoint = endpointOf(endpoints, service);
      try {
        await probes[service](endpoints, timeoutMs);
        return { service, endpoint, up: true, latencyMs: Math.round(performance.now() - started) };
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        // fetch wraps the socket error in `cause`; its code (ECONNREFUSED) says more than "fetch failed".
        const error = e.cause?.code ?? e.code ?? e.message;
        return { service, endpoint, up: false, latencyMs: Math.round(performance.now() - started), error };
      }
    }),
  );
}
