/**
 * Peak memory of the real `manga-oncall scan redis` command over 100,000 and over 1,000,000
 * sessions. The command runs as a child process with a preload that writes its
 * `process.resourceUsage().maxRSS` (the RSS high-water mark) at exit. The two figures must
 * be within 1.5x of each other: the scanner holds a batch, never a list of the fleet.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { BenchServices } from './services.js';
import type { BenchRow } from './types.js';

const BIN = fileURLToPath(new URL('../../bin/manga-oncall.js', import.meta.url));
const PRELOAD = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.MANGA_BENCH_RUSAGE, JSON.stringify(process.resourceUsage())));
`;

/** Small sessions (3 short turns): the point is their number, not their size. */
async function fill(redis: Redis, from: number, to: number): Promise<void> {
  const turns = ['{"role":"user","content":"在庫は?","ts":1}', '{"role":"assistant","content":"あります","ts":2}', '{"role":"user","content":"ok","ts":3}'];
  for (let s = from; s < to; s += 5000) {
    const pipe = redis.pipeline();
    for (let i = s; i < Math.min(to, s + 5000); i++) pipe.rpush(`manga:session:m-${i}:turns`, ...turns);
    await pipe.exec();
  }
}

/** Runs `scan redis --json` in a child; returns its maxRSS (KB) and the sessions it judged. */
function scanInChild(url: string, dir: string): Promise<{ maxRssKb: number; sessions: number }> {
  const rusage = join(dir, `rusage-${Date.now()}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'preload.mjs')).href, BIN, 'scan', 'redis', '--json', '--timeout', '60s', '--redis-url', url], {
      env: { ...process.env, MANGA_BENCH_RUSAGE: rusage, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`scan redis exited ${code}: ${out.slice(0, 500)}`));
      const usage = JSON.parse(readFileSync(rusage, 'utf8')) as NodeJS.ResourceUsage;
      resolve({ maxRssKb: usage.maxRSS, sessions: (JSON.parse(out) as { sessions: number }).sessions });
    });
  });
}

export async function measureScanMemory(services: BenchServices): Promise<BenchRow[]> {
  const server = await services.redis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'manga-bench-mem-'));
  writeFileSync(join(dir, 'preload.mjs'), PRELOAD);
  try {
    await redis.flushall();
    await fill(redis, 0, 100_000);
    const small = await scanInChild(server.url, dir);
    await fill(redis, 100_000, 1_000_000);
    const large = await scanInChild(server.url, dir);
    if (small.sessions !== 100_000 || large.sessions !== 1_000_000) throw new Error(`memory bench judged ${small.sessions} and ${large.sessions} sessions`);
    const ratio = large.maxRssKb / small.maxRssKb;
    return [
      { name: 'scan redis peak RSS, 100,000 sessions', value: small.maxRssKb / 1024, unit: 'MB', note: 'the CLI in a child process, maxRSS at exit' },
      { name: 'scan redis peak RSS, 1,000,000 sessions', value: large.maxRssKb / 1024, unit: 'MB', note: 'same shape of session, 10x the fleet' },
      { name: 'scan redis peak RSS 1M / 100k', value: ratio, unit: 'x', note: `target <= 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'}` },
    ];
  } finally {
    await redis.flushall().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    rmSync(dir, { recursive: true, force: true });
  }
}
