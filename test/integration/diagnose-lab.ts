import type { Config } from '../../src/config/schema.js';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import type { LabEndpoints } from '../../src/lab/endpoints.js';
import { labConfig } from '../../src/lab/lab-config.js';
import { seedLab, type SeedManifest, type SeedOptions } from '../../src/lab/seed/index.js';
import { LocalDynamo, LocalS3, startRedis } from '../helpers/services.js';

/**
 * A lab of this test file's own, started in-process: a redis-server on a free port,
 * dynalite, s3rver and the project's emulator, seeded with `seedLab`. Each test reseeds
 * (seedLab resets every store first), so tests in one file share the services.
 */
export interface TestLab {
  endpoints: LabEndpoints;
  config: Config;
  emulator: RunningEmulator;
  seed(opts: SeedOptions): Promise<SeedManifest>;
  stop(): Promise<void>;
}

export async function startTestLab(): Promise<TestLab> {
  const [redis, dynamo, s3, emulator] = await Promise.all([startRedis(), new LocalDynamo().start(), new LocalS3().start(), startEmulator()]);
  const endpoints: LabEndpoints = { redisUrl: redis.server.url, dynamodb: dynamo.endpoint, s3: s3.endpoint, emulator: emulator.endpoint };
  return {
    endpoints,
    config: labConfig(endpoints),
    emulator,
    seed: (opts) => seedLab(endpoints, { seed: 7, ...opts }),
    async stop() {
      await Promise.allSettled([redis.stop(), dynamo.stop(), s3.stop(), emulator.stop()]);
    },
  };
}
