import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account.js';

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

  /**
   * Makes s3rver accept another key pair (it knows only S3RVER/S3RVER): the lab registers
   * the credentials its STS hands out, so fix's writes through an assumed role reach S3.
   * The registry is s3rver's, process-wide, like the server's own default key.
   */
  acceptAccessKey(accessKeyId: string, secretAccessKey: string): void {
    DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await s.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
