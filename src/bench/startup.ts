/**
 * Start-up cost of the CLI: `manga-oncall --help` and `--version` against `node -e 0` (the
 * floor: Node itself). Target: --help at most 1.5x. Runs are interleaved (node, help,
 * version, node, ...) so a change in the machine's load hits all three alike; medians.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.js';

const BIN = fileURLToPath(new URL('../../bin/manga-oncall.js', import.meta.url));
const RUNS = 31;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU time (user + system, ms) of this process's reaped children, from /proc/self/stat
 * (cutime, cstime; 100 ticks a second on Linux); null elsewhere. Less sensitive than wall
 * time to what else the machine runs, so it is reported beside it.
 */
function childrenCpuMs(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function run(args: string[]): { wall: number; cpu: number | null } {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  const cpu1 = childrenCpuMs();
  return { wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

export async function benchStartup(): Promise<BenchRow[]> {
  const kinds = { node: ['-e', '0'], help: [BIN, '--help'], version: [BIN, '--version'] } as const;
  const wall = { node: [] as number[], help: [] as number[], version: [] as number[] };
  const cpu = { node: [] as number[], help: [] as number[], version: [] as number[] };
  run([BIN, '--help']); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const k of ['node', 'help', 'version'] as const) {
      const r = run([...kinds[k]]);
      wall[k].push(r.wall);
      if (r.cpu !== null) cpu[k].push(r.cpu);
    }
  }
  const [node, help, version] = [median(wall.node), median(wall.help), median(wall.version)];
  const note = `wall time, median of ${RUNS} interleaved runs`;
  const rows: BenchRow[] = [
    { name: 'node -e 0', value: node, unit: 'ms', note },
    { name: 'manga-oncall --help', value: help, unit: 'ms', note },
    { name: 'manga-oncall --version', value: version, unit: 'ms', note },
    { name: 'manga-oncall --help / node -e 0 (wall)', value: help / node, unit: 'x', note: `target <= 1.5: ${help / node <= 1.5 ? 'met' : 'NOT met'}` },
  ];
  if (cpu.node.length === RUNS) {
    const [cn, ch] = [median(cpu.node), median(cpu.help)];
    rows.push(
      { name: 'node -e 0 (CPU)', value: cn, unit: 'ms', note: 'user + system of the child, median (10 ms ticks)' },
      { name: 'manga-oncall --help (CPU)', value: ch, unit: 'ms', note: 'user + system of the child, median (10 ms ticks)' },
      { name: 'manga-oncall --help / node -e 0 (CPU)', value: ch / cn, unit: 'x', note: 'CPU time: less sensitive to the machine\'s load than wall time' },
    );
  }
  return rows;
}
