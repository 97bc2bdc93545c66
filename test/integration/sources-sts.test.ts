import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { freePort } from '../../src/lab/services/free-port.js';
import { SourceError } from '../../src/sources/errors.js';
import { StsSource } from '../../src/sources/sts.js';

/**
 * No STS runs on this machine, so these cover what the adapter decides itself: the
 * missing write role, and what a dead or hung endpoint does to a real SDK client.
 */
const configFor = (sts: string, timeoutMs = 2000, writeRoleArn?: string) =>
  configSchema.parse({ aws: { endpoints: { sts }, accessKeyId: 'test', secretAccessKey: 'test', ...(writeRoleArn ? { writeRoleArn } : {}) }, timeoutMs });

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('STS adapter', () => {
  let hung: Server | undefined;
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
  });

  it('assumeWriteRole without aws.writeRoleArn is a configuration error, before any call', async () => {
    const sts = new StsSource(configFor(`http://127.0.0.1:${await freePort()}`));
    const err = await failure(sts.assumeWriteRole());
    expect(err.kind).toBe('invalid_request');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('aws.writeRoleArn');
    sts.close();
  });

  it('callerIdentity against a closed port is unreachable', async () => {
    const sts = new StsSource(configFor(`http://127.0.0.1:${await freePort()}`));
    const err = await failure(sts.callerIdentity());
    expect(err.kind).toBe('unreachable');
    expect(err.errorCode).toBe('STS_UNREACHABLE');
    sts.close();
  });

  it('assumeWriteRole against an endpoint that never answers is a timeout within the budget', async () => {
    hung = createServer((s) => sockets.push(s.resume()));
    await new Promise<void>((resolve) => hung!.listen(0, '127.0.0.1', () => resolve()));
    const port = (hung.address() as { port: number }).port;
    const sts = new StsSource(configFor(`http://127.0.0.1:${port}`, 300, 'arn:aws:iam::123456789012:role/manga-oncall-write'));
    const started = Date.now();
    const err = await failure(sts.assumeWriteRole(undefined, { sessionName: 'alice@example.com fix sess-1' }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300 + 1000);
    sts.close();
  });
});
