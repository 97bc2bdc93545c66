import { MAX_SESSIONS, selectedScenarios, type SeedOptions } from '../seed/plan.js';
import { SCENARIO_NUMBERS, type ScenarioNumber } from '../seed/scenario-types.js';
import { variantsOf } from '../seed/scenarios.js';
import { LabError } from './errors.js';

/** `lab seed`'s flags as typed on the command line. */
export interface RawSeedFlags {
  scenario?: string;
  sessions?: string;
  seed?: string;
  /** Repeatable `--variant <n>=<name>`. */
  variant?: readonly string[];
}

function bad(message: string): LabError {
  return new LabError('BAD_OPTION', message, { hint: 'see `manga-oncall lab seed --help`' });
}

function wholeNumber(raw: string, flag: string, min: number, max: number): number {
  // Digits only: Number() would take "1e3", " 12", "0x10" and "" (as 0).
  if (!/^-?\d+$/.test(raw.trim()) || raw.trim() !== raw) throw bad(`${flag} must be a whole number, not ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`${flag} must be between ${min} and ${max}, not ${raw}`);
  return n;
}

function parseScenarios(raw: string | undefined): SeedOptions['scenarios'] {
  if (raw === undefined || raw === 'all') return 'all';
  if (raw === 'none') return 'none';
  const parts = raw.split(',');
  const list = parts.map((p) => {
    if (!/^[1-5]$/.test(p.trim())) throw bad(`--scenario takes all, none, or scenario numbers 1..5 (e.g. 1 or 1,4), not ${JSON.stringify(raw)}`);
    return Number(p.trim());
  });
  return selectedScenarios(list);
}

/**
 * Validates `lab seed`'s flags into `seedLab` options before anything is contacted, so a
 * bad value (exit 2) writes nothing. Variants are checked against the seeder's registry.
 */
export function parseSeedFlags(flags: RawSeedFlags): SeedOptions {
  const scenarios = parseScenarios(flags.scenario);
  const chosen = selectedScenarios(scenarios);
  const variants: Partial<Record<ScenarioNumber, string>> = {};
  for (const spec of flags.variant ?? []) {
    const m = /^([1-5])=([a-z0-9-]+)$/.exec(spec);
    if (!m) throw bad(`--variant takes <scenario>=<name>, e.g. 1=no-event, not ${JSON.stringify(spec)}`);
    const n = Number(m[1]) as ScenarioNumber;
    const name = m[2] as string;
    if (!variantsOf(n).includes(name)) throw bad(`scenario ${n} has no variant ${JSON.stringify(name)}: one of ${variantsOf(n).join(', ')}`);
    if (!chosen.includes(n)) throw bad(`--variant ${spec} is for scenario ${n}, which is not being seeded`);
    variants[n] = name;
  }
  return {
    scenarios,
    ...(flags.sessions !== undefined ? { sessions: wholeNumber(flags.sessions, '--sessions', 0, MAX_SESSIONS) } : {}),
    ...(flags.seed !== undefined ? { seed: wholeNumber(flags.seed, '--seed', -(2 ** 31), 2 ** 53 - 1) } : {}),
    ...(Object.keys(variants).length ? { variants } : {}),
  };
}

/** Every scenario's variants, default first: for `lab seed --help` and error messages. */
export function variantCatalog(): Record<ScenarioNumber, string[]> {
  return Object.fromEntries(SCENARIO_NUMBERS.map((n) => [n, variantsOf(n)])) as Record<ScenarioNumber, string[]>;
}
