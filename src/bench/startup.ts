/**
 * Start-up cost of the CLI: `manga-oncall --help` and `--version` against `node -e 0` (the
 * floor: Node itself). Target: --help at most 1.5x. Runs are interleaved (node, help,
 * version, node, ...) so a change in the machine's load hits all three alike; medians.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';

const BIN = fileURLToPath(new URL('../../bin/manga-oncall.js', import.meta.url));
const RUNS = 31;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function wallMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

export async function benchStartup(): Promise<BenchRow[]> {
  const samples = { node: [] as number[], help: [] as number[], version: [] as number[] };
  wallMs([BIN, '--help']); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    samples.node.push(wallMs(['-e', '0']));
    samples.help.push(wallMs([BIN, '--help']));
    samples.version.push(wallMs([BIN, '--version']));
  }
  const [node, help, version] = [median(samples.node), median(samples.help), median(samples.version)];
  const note = `median of ${RUNS} interleaved runs`;
  return [
    { name: 'node -e 0', value: node, unit: 'ms', note },
    { name: 'manga-oncall --help', value: help, unit: 'ms', note },
    { name: 'manga-oncall --version', value: version, unit: 'ms', note },
    { name: 'manga-oncall --help / node -e 0', value: help / node, unit: 'x', note: `target <= 1.5: ${help / node <= 1.5 ? 'met' : 'NOT met'}` },
  ];
}
