import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/lab/emulator/index.js';
import { seedLab } from '../../src/lab/seed/index.js';
import { LocalDynamo, LocalS3, startRedis } from '../../test/helpers/services.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let dynamo: LocalDynamo; let s3: LocalS3; let emu: RunningEmulator;
const NOW = Date.now();
beforeAll(async () => {
  redis = await startRedis(); dynamo = await new LocalDynamo().start(); s3 = await new LocalS3().start();
  emu = await startEmulator({ clock: () => NOW + 2000 });
});
afterAll(async () => { await emu?.stop(); await s3?.stop(); await dynamo?.stop(); await redis?.stop(); });
it('smoke', async () => {
  const ep = { redisUrl: redis.server.url, dynamodb: dynamo.endpoint, s3: s3.endpoint, emulator: emu.endpoint };
  for (const sessions of [100, 100, 1000]) {
    const t0 = Date.now();
    const m = await seedLab(ep, { scenarios: 'all', sessions, now: NOW }).catch((e) => { console.log('ERR', e.name, e.$metadata, e.message, String(e.stack).slice(0, 3000)); throw e; });
    console.log('seeded', sessions, Date.now() - t0, 'ms', JSON.stringify(m.totals));
  }
  expect(1).toBe(1);
}, 120_000);
