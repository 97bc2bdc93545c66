import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/**
 * S3 on loopback via s3rver, in this process. Clients talking to it must set
 * `forcePathStyle: true` and `requestChecksumCalculation: 'WHEN_REQUIRED'`: s3rver
 * corrupts streamed (aws-chunked) uploads otherwise.
 */
export class LocalS3 {
  private server: S3rver | undefined;
  private dir: string | undefined;
  port = 0;

  constructor(private readonly buckets: string[] = []) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0, directory?: string): Promise<this> {
    this.dir = directory ?? mkdtempSync(join(tmpdir(), 'manga-s3-'));
    const server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: this.dir,
      allowMismatchedSignatures: true,
      configureBuckets: this.buckets.map((name) => ({ name })),
    });
    const info = await server.run();
    this.server = server;
    this.port = info.port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await s.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
