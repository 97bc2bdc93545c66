import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { registerConfig } from './config.js';
import { registerDiagnose } from './diagnose.js';
import { registerDoctor } from './doctor.js';
import { registerIamPolicy } from './iam-policy.js';
import { registerRunbook } from './runbook.js';
import { registerLab } from './lab.js';
import { registerScan } from './scan.js';
import { registerFix } from './fix.js';
import { registerUndo } from './undo.js';
import { registerAudit } from './audit.js';
import { registerInspect } from './inspect.js';

/**
 * Every command group, registered once. Registration files import nothing heavy: each
 * action loads its implementation on demand, so `--help` pays for no SDK or Redis client.
 */
export function registerAll(program: Command, run: Runner): void {
  registerConfig(program, run);
  registerDiagnose(program, run);
  registerDoctor(program, run);
  registerIamPolicy(program, run);
  registerRunbook(program, run);
  registerLab(program, run);
  registerScan(program, run);
  registerFix(program, run);
  registerUndo(program, run);
  registerAudit(program, run);
  registerInspect(program, run);
}
