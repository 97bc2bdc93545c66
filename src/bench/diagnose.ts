import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../diagnose/engine.js';
import type { DiagnoseResult } from '../diagnose/types.js';
import { windowFor } from '../diagnose/window.js';
import { labConfig, labConfigFile } from '../lab/lab-config.js';
import { seedLab } from '../lab/seed/index.js';
import { labDown, labUp } from '../lab/supervisor/client.js';
import type { BenchRow } from './types.js';

/** Measured runs after the first (cold) one; the median is reported. */
const WARM_RUNS = 3;
/** Far above what a run needs: the bench measures time, a timeout would hide it. */
const BENCH_TIMEOUT_MS = 20_000;

const BIN = fileURLToPath(new URL('../../bin/manga-oncall.js', import.meta.url));
/** Runs of the built CLI, each a new process: what an engineer waits for at the prompt. */
const CLI_RUNS = 3;

/** Wall time of `manga-oncall diagnose --json` as a new process, and the engine's own duration it reported. */
function cliDiagnose(configPath: string): Promise<{ wallMs: number; engineMs: number; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [BIN, 'diagnose', '--json', '--config', configPath], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - t;
      try {
        const doc = JSON.parse(out) as { durationMs?: number };
        resolve({ wallMs, engineMs: doc.durationMs ?? NaN, exitCode: code });
      } catch {
        reject(new Error(`diagnose --json printed no JSON (exit ${String(code)})`));
      }
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const slowestSource = (r: DiagnoseResult) => r.sources.reduce((m, s) => (s.latencyMs > m.latencyMs ? s : m), { name: 'none', latencyMs: 0 } as { name: string; latencyMs: number });

/**
 * diagnose's wall time on a seeded lab (1,000 background sessions and the five incidents),
 * beside the time of the single slowest source query of the same run. The lab runs in its
 * own processes (`lab up`), as production's sources are remote, so the engine's own cost is
 * not mixed with the emulators'. Target: within 1.5x the slowest source and under 2 s. The
 * first run is reported on its own: it pays for loading the AWS SDK and connecting.
 */
export async function benchDiagnose(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'manga-oncall-bench-diagnose-'));
  try {
    const up = await labUp({ dir });
    const manifest = await seedLab(up.state.endpoints, { scenarios: 'all', sessions: 1000 });
    const config = { ...labConfig(up.state.endpoints), timeoutMs: BENCH_TIMEOUT_MS };
    const runs: { wallMs: number; result: DiagnoseResult }[] = [];
    for (let i = 0; i <= WARM_RUNS; i++) {
      const t = performance.now();
      const d = await diagnose({ config, window: windowFor('30m') });
      runs.push({ wallMs: performance.now() - t, result: d.result });
    }
    const configPath = join(dir, 'bench-config.json');
    writeFileSync(configPath, JSON.stringify({ ...labConfigFile(up.state.endpoints), timeoutMs: BENCH_TIMEOUT_MS }));
    const cli: Awaited<ReturnType<typeof cliDiagnose>>[] = [];
    for (let i = 0; i < CLI_RUNS; i++) cli.push(await cliDiagnose(configPath));
    const cliWall = median(cli.map((c) => c.wallMs));
    const cliEngine = median(cli.map((c) => c.engineMs));
    const [cold, ...warm] = runs as [(typeof runs)[number], ...typeof runs];
    const found = manifest.scenarios.filter((s) => warm.at(-1)?.result.findings.some((f) => f.scenario === s.scenario && f.rootCause.id === s.expected.rootCauseId)).length;
    const wall = median(warm.map((r) => r.wallMs));
    const slow = median(warm.map((r) => slowestSource(r.result).latencyMs));
    const slowName = slowestSource(warm.at(-1)!.result).name;
    const ratio = wall / Math.max(1, slow);
    return [
      { name: 'diagnose: wall time (median of warm runs)', value: Math.round(wall), unit: 'ms', note: `1,000 background sessions + 5 incidents; ${found}/5 found; target < 2000 ms` },
      { name: 'diagnose: slowest single source query (same runs)', value: Math.round(slow), unit: 'ms', note: `${slowName}` },
      { name: 'diagnose: wall / slowest source', value: Math.round(ratio * 100) / 100, unit: 'x', note: 'target <= 1.5 (every source at once, one query per question)' },
      { name: 'diagnose: the CLI as a new process (wall)', value: Math.round(cliWall), unit: 'ms', note: `median of ${CLI_RUNS}; node start-up, module loading and connecting included; exit ${cli.map((c) => c.exitCode).join(',')}` },
      { name: 'diagnose: the CLI, engine part', value: Math.round(cliEngine), unit: 'ms', note: 'durationMs the CLI reported (sources queried, verdict built)' },
      { name: 'diagnose: first (cold) run wall time', value: Math.round(cold.wallMs), unit: 'ms', note: `slowest source ${Math.round(slowestSource(cold.result).latencyMs)} ms; includes loading the AWS SDK and connecting` },
      ...warm.at(-1)!.result.sources.map((s) => ({ name: `diagnose: source ${s.name}`, value: s.latencyMs, unit: 'ms', note: `${s.queries} quer${s.queries === 1 ? 'y' : 'ies'}, ${s.status}` })),
    ];
  } finally {
    await labDown({ dir }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
