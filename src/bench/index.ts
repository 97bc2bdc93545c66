/**
 * `npm run bench`: every benchmark module present in src/bench/, in one run, printed in one
 * table (each module's figures side by side with their ratios), on services the runner
 * starts itself (redis-server, a 3-master cluster, dynalite) and stops at the end. With more
 * than one module, each runs in a process of its own (this file with `--only <name> --json`).
 *
 *   node dist/bench/index.js [--only <name>] [--json]
 *
 * A module whose file does not exist (not written yet) is skipped with a note; one that
 * fails is reported and makes the run exit 1. Speed is measured here, never in tests.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchServices, type BenchServices } from './services.js';
import type { BenchRow } from './types.js';

// As bin/manga-oncall.js: the AWS SDK's Node-version warning is noise in a bench table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type BenchFn = (...args: never[]) => Promise<BenchRow[]>;

interface BenchModule {
  name: string;
  /** The compiled file beside this one, and the function it must export. */
  file: string;
  exportName: string;
  call(fn: BenchFn, services: BenchServices): Promise<BenchRow[]>;
}

/** The registry: each module's entry point and what it needs from the runner. */
const MODULES: BenchModule[] = [
  { name: 'session-save', file: 'session-save.js', exportName: 'benchSessionSave', call: async (fn, s) => (fn as (url: string) => Promise<BenchRow[]>)((await s.redis()).url) },
  { name: 'optimistic-update', file: 'optimistic-update.js', exportName: 'benchOptimisticUpdate', call: async (fn, s) => (fn as (url: string) => Promise<BenchRow[]>)((await s.redis()).url) },
  { name: 'diagnose', file: 'diagnose.js', exportName: 'benchDiagnose', call: (fn) => (fn as () => Promise<BenchRow[]>)() },
  { name: 'fleet-fix', file: 'fleet-fix.js', exportName: 'benchFleetFix', call: (fn) => (fn as () => Promise<BenchRow[]>)() },
  { name: 'scan', file: 'scan.js', exportName: 'benchScan', call: (fn, s) => (fn as (s: BenchServices) => Promise<BenchRow[]>)(s) },
  { name: 'startup', file: 'startup.js', exportName: 'benchStartup', call: (fn) => (fn as () => Promise<BenchRow[]>)() },
];

interface Outcome {
  module: string;
  rows: BenchRow[];
  skipped?: string;
  error?: string;
  seconds: number;
}

function formatValue(row: BenchRow): string {
  const v = row.value;
  if (!Number.isFinite(v)) return String(v);
  if (row.unit === 'x' || row.unit === 'ratio') return `${v.toFixed(2)}x`;
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

function renderTable(outcomes: Outcome[]): string {
  const rows = [['MODULE', 'MEASURE', 'VALUE', 'UNIT', 'NOTE']];
  for (const o of outcomes) {
    if (o.skipped) rows.push([o.module, '(skipped)', '', '', o.skipped]);
    if (o.error) rows.push([o.module, '(FAILED)', '', '', o.error]);
    for (const r of o.rows) rows.push([o.module, r.name, formatValue(r), r.unit === 'x' || r.unit === 'ratio' ? '' : r.unit, r.note ?? '']);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  // The value column is right-aligned so magnitudes line up.
  return rows.map((r) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

async function runModule(m: BenchModule, services: BenchServices): Promise<Outcome> {
  const url = new URL(m.file, import.meta.url);
  const t0 = performance.now();
  const done = (o: Omit<Outcome, 'module' | 'seconds'>): Outcome => ({ module: m.name, seconds: (performance.now() - t0) / 1000, ...o });
  if (!existsSync(fileURLToPath(url))) return done({ rows: [], skipped: `src/bench/${m.file.replace(/\.js$/, '.ts')} does not exist (yet)` });
  try {
    const mod = (await import(url.href)) as Record<string, unknown>;
    const fn = mod[m.exportName];
    if (typeof fn !== 'function') return done({ rows: [], error: `${m.file} does not export ${m.exportName}()` });
    return done({ rows: await m.call(fn as BenchFn, services) });
  } catch (err) {
    return done({ rows: [], error: err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 3).join(' | ') : String(err) });
  }
}

/** Runs one module as `index.js --only <name> --json` in a child process and reads its outcome. */
async function runInChild(m: BenchModule): Promise<Outcome> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--only', m.name, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    const [outcome] = JSON.parse(out) as Outcome[];
    if (outcome) return outcome;
  } catch {
    // Reported below: the child's output was not the outcome.
  }
  return { module: m.name, rows: [], error: `the bench process exited ${code} without an outcome`, seconds: (performance.now() - t0) / 1000 };
}

async function main(argv: string[]): Promise<number> {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const json = argv.includes('--json');
  const selected = only ? MODULES.filter((m) => m.name === only) : MODULES;
  if (selected.length === 0) {
    process.stderr.write(`unknown bench ${JSON.stringify(only)}; known: ${MODULES.map((m) => m.name).join(', ')}\n`);
    return 2;
  }
  const outcomes: Outcome[] = [];
  if (selected.length > 1) {
    // Each module in a process of its own, as the CLI runs each command: a module measured
    // after others inherited their heap (the fleet fix ran 10-20% slower after diagnose than
    // alone, from the old generation's size, not from anything it did).
    for (const m of selected) {
      process.stderr.write(`bench ${m.name}...\n`);
      const o = await runInChild(m);
      process.stderr.write(`bench ${m.name}: ${o.skipped ? 'skipped' : o.error ? 'FAILED' : `${o.rows.length} rows`} in ${o.seconds.toFixed(1)} s\n`);
      outcomes.push(o);
    }
  } else {
    const services = benchServices();
    try {
      for (const m of selected) outcomes.push(await runModule(m, services));
    } finally {
      await services.stop();
    }
  }
  process.stdout.write(json ? `${JSON.stringify(outcomes, null, 2)}\n` : `${renderTable(outcomes)}\n`);
  return outcomes.some((o) => o.error) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
