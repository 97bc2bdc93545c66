import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { startEmulator, type CallRecord, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { LocalDynamo, LocalS3, RedisProcess } from './services.js';

/**
 * A lab like production's access model, in this test process: redis-server with AUTH (and
 * TLS when asked), dynalite behind a proxy that records which access key signed each call,
 * s3rver (accepting the keys the emulator's STS issues, as `lab up` does), and the emulator
 * (CloudWatch Logs, CloudWatch, ElastiCache, STS) whose calls are recorded with their access
 * key. Tests assert which credentials each command used from these records.
 */
export interface SignedCall {
  service: string;
  operation: string;
  accessKeyId: string | undefined;
}

export interface SecureLab {
  redis: RedisProcess;
  dynamo: LocalDynamo;
  s3: LocalS3;
  emulator: RunningEmulator;
  /** dynalite's endpoint as the tool must use it (through the recording proxy). */
  dynamoEndpoint: string;
  /** Every AWS call any command made, in order: emulator services and DynamoDB. */
  calls: SignedCall[];
  dir: string;
  /** A config file for the CLI: every endpoint in the lab, plus `extra` merged into it. */
  writeConfig(name: string, extra?: ConfigInput): string;
  stop(): Promise<void>;
}

/** The access key of a SigV4 Authorization header. */
function accessKeyOf(auth: string | undefined): string | undefined {
  return auth ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
}

/** Forwards to `target`, recording the access key and the operation (X-Amz-Target) of each request. */
async function recordingProxy(targetPort: number, record: (call: SignedCall) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    record({ service: 'dynamodb', operation: target.split('.').pop() ?? '', accessKeyId: accessKeyOf(req.headers.authorization) });
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

export async function startSecureLab(opts: { redisArgs?: string[]; redisPort?: number } = {}): Promise<SecureLab> {
  const dir = mkdtempSync(join(tmpdir(), 'secure-lab-'));
  const calls: SignedCall[] = [];
  const s3 = await new LocalS3(['manga-session-overflow']).start();
  const onCall = (c: CallRecord) => calls.push({ service: c.service, operation: c.operation, accessKeyId: c.accessKeyId });
  const emulator = await startEmulator({ onCall, onAssumeRole: (s) => s3.acceptAccessKey(s.accessKeyId, s.secretAccessKey) });
  const dynamo = await new LocalDynamo().start();
  const proxy = await recordingProxy(dynamo.port, (c) => calls.push(c));
  const redis = await new RedisProcess({ ...(opts.redisPort ? { port: opts.redisPort } : {}), extraArgs: opts.redisArgs ?? [] }).start();
  const dynamoEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    redis,
    dynamo,
    s3,
    emulator,
    dynamoEndpoint,
    calls,
    dir,
    writeConfig(name, extra = {}) {
      const base: ConfigInput = {
        // No region: the default (or an AWS profile's) applies, as for an engineer.
        aws: {
          endpoints: { logs: emulator.endpoint, cloudwatch: emulator.endpoint, elasticache: emulator.endpoint, sts: emulator.endpoint, dynamodb: dynamoEndpoint, s3: s3.endpoint },
          s3ForcePathStyle: true,
        },
        stateDir: join(dir, 'state'),
        auditPath: join(dir, 'state', 'audit.jsonl'),
      };
      const merged = { ...base, ...extra, aws: { ...base.aws, ...extra.aws, endpoints: { ...base.aws!.endpoints, ...extra.aws?.endpoints } } };
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(merged, null, 2));
      return file;
    },
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await Promise.all([emulator.stop(), dynamo.stop(), s3.stop(), redis.dispose()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
