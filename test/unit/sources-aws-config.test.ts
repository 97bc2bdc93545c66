import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { LazyClient, awsClientOptions, s3Extras } from '../../src/sources/aws-config.js';

class TrackedClient {
  destroyed = false;
  destroy(): void {
    this.destroyed = true;
  }
}

describe('LazyClient', () => {
  it('builds once and shares the client', async () => {
    let builds = 0;
    const lazy = new LazyClient(async () => {
      builds++;
      return new TrackedClient();
    });
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(b);
    expect(builds).toBe(1);
    lazy.destroy();
    expect(a.destroyed).toBe(true);
    expect(await lazy.get()).not.toBe(a);
    expect(builds).toBe(2);
  });

  it('forgets a failed build so the next call tries again', async () => {
    let attempt = 0;
    const lazy = new LazyClient(async () => {
      if (++attempt === 1) throw new Error('module failed to load');
      return new TrackedClient();
    });
    await expect(lazy.get()).rejects.toThrow('module failed to load');
    expect(await lazy.get()).toBeInstanceOf(TrackedClient);
  });

  it('a client that finishes building after destroy() is destroyed, not kept', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lazy = new LazyClient(async () => {
      await gate;
      return new TrackedClient();
    });
    const late = lazy.get();
    lazy.destroy();
    release();
    expect((await late).destroyed).toBe(true);
  });
});

describe('awsClientOptions and s3Extras', () => {
  it('use the configured endpoint, region, static lab credentials and a bounded retry', async () => {
    const config = configSchema.parse({
      aws: { region: 'ap-northeast-1', endpoints: { logs: 'http://127.0.0.1:4566' }, accessKeyId: 'lab', secretAccessKey: 'lab-secret' },
    });
    const logs = await awsClientOptions(config, 'logs');
    expect(logs).toMatchObject({ region: 'ap-northeast-1', endpoint: 'http://127.0.0.1:4566', maxAttempts: 2, credentials: { accessKeyId: 'lab', secretAccessKey: 'lab-secret' } });
    const sts = await awsClientOptions(config, 'sts');
    expect('endpoint' in sts).toBe(false);
  });

  it('S3 gets path style for a custom endpoint and checksums only when required', () => {
    expect(s3Extras(configSchema.parse({ aws: { endpoints: { s3: 'http://127.0.0.1:4568' } } }))).toEqual({
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(s3Extras(configSchema.parse({})).forcePathStyle).toBe(false);
  });
});
