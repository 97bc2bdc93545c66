import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { registerConfig } from './config.js';
import { registerRunbook } from './runbook.js';
import { registerLab } from './lab.js';

/**
 * Every command group, registered once. Registration files import nothing heavy: each
 * action loads its implementation on demand, so `--help` pays for no SDK or Redis client.
 */
export function registerAll(program: Command, run: Runner): void {
  registerConfig(program, run);
  registerRunbook(program, run);
  registerLab(program, run);
}
