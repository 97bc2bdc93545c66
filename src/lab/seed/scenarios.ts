/**
 * The registry of scenario generators, one per file, keyed by the seed's scenario number.
 * Nothing else in the seeder names a scenario.
 */
import { scenario1 } from './scenario1.js';
import { scenario2 } from './scenario2.js';
import { scenario3 } from './scenario3.js';
import { scenario4 } from './scenario4.js';
import { scenario5 } from './scenario5.js';
import type { ScenarioDefinition, ScenarioNumber } from './scenario-types.js';

export const SCENARIOS: Readonly<Record<ScenarioNumber, ScenarioDefinition>> = {
  1: scenario1,
  2: scenario2,
  3: scenario3,
  4: scenario4,
  5: scenario5,
};

/** Variant names of a scenario, the default first. */
export function variantsOf(n: ScenarioNumber): string[] {
  return Object.keys(SCENARIOS[n].variants);
}

export function defaultVariant(n: ScenarioNumber): string {
  return variantsOf(n)[0] as string;
}
