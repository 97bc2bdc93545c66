import type { Command } from 'commander';
import type { Runner } from '../program.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `lab up | status | down | seed | demo`: a local MangaAssist (redis-server, dynalite,
 * s3rver, the project's AWS emulator) in a background supervisor, for the demo, drills and
 * tests. The lab directory defaults to `.manga-oncall/` under the current directory.
 * Registration only: the implementation (lab-run.ts) loads inside each action.
 */
export function registerLab(program: Command, run: Runner): void {
  const lab = program
    .command('lab')
    .description('a local MangaAssist data plane for the demo and drills (state in <dir>, default ./.manga-oncall)');
  const dirOption = '--dir <path>';
  const dirHelp = 'the lab directory (default: .manga-oncall under the current directory)';

  lab
    .command('up')
    .description('start the lab in the background and write <dir>/config.json; uses an existing loopback Redis with the global --redis-url')
    .option(dirOption, dirHelp)
    .action(async (opts: { dir?: string }, cmd: Command) => {
      await run(cmd, 'lab up', async (ctx) => (await import('./lab-run.js')).runLabUp(ctx, opts));
    });

  lab
    .command('status')
    .description('is each lab service up? exit 0 all up, 4 partly down or no lab running')
    .option(dirOption, dirHelp)
    .action(async (opts: { dir?: string }, cmd: Command) => {
      await run(cmd, 'lab status', async (ctx) => (await import('./lab-run.js')).runLabStatus(ctx, opts));
    });

  lab
    .command('down')
    .description('stop everything the lab started and check no process or port is left (nothing running: exit 0)')
    .option(dirOption, dirHelp)
    .action(async (opts: { dir?: string }, cmd: Command) => {
      await run(cmd, 'lab down', async (ctx) => (await import('./lab-run.js')).runLabDown(ctx, opts));
    });

  lab
    .command('seed')
    .description('seed the running lab: healthy background plus the chosen scenarios; writes <dir>/manifest.json')
    .option(dirOption, dirHelp)
    .option('--scenario <which>', 'all, none, or scenario numbers 1..5 (e.g. 1 or 1,4)', 'all')
    .option('--sessions <n>', 'healthy background sessions (default 1000)')
    .option('--seed <n>', 'PRNG seed: the same seed gives the same data (default 42)')
    .option('--variant <n=name>', 'a scenario variant, e.g. 1=no-event (repeatable)', collect, [])
    .action(async (opts: { dir?: string; scenario?: string; sessions?: string; seed?: string; variant: string[] }, cmd: Command) => {
      await run(cmd, 'lab seed', async (ctx) => (await import('./lab-run.js')).runLabSeed(ctx, opts));
    });

  lab
    .command('demo')
    .description('start a lab of its own, seed all five incidents, diagnose, compare with what was seeded, take it down (exit 0 all found, 1 otherwise)')
    .option('--sessions <n>', 'healthy background sessions (default 1000)')
    .option('--seed <n>', 'PRNG seed (default 42)')
    .action(async (opts: { sessions?: string; seed?: string }, cmd: Command) => {
      await run(cmd, 'lab demo', async (ctx) => (await import('./lab-run.js')).runLabDemo(ctx, opts));
    });
}
