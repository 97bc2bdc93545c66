import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/services.js';

/** The published schema of `diagnose --json`, compiled once. */
const schema = JSON.parse(readFileSync(`${REPO_ROOT}/schemas/diagnose.schema.json`, 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

/** Asserts a document (as printed, or a runDiagnose body wrapped in the envelope) fits the schema. */
export function expectValidDiagnoseDocument(doc: unknown): void {
  const ok = validate(doc);
  expect(ok, JSON.stringify(validate.errors?.filter((e) => !e.schemaPath.startsWith("#/$defs/failure")).slice(0, 8), null, 2)).toBe(true);
}

/** The document `diagnose --json` prints for a runDiagnose body. */
export function asDocument(body: object): Record<string, unknown> {
  return { schemaVersion: 1, command: 'diagnose', ...body };
}
