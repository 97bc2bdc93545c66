/**
 * The config layer's error, in a module of its own: the CLI's entry (run-command.ts) must
 * recognise it without importing the schema, so `--help` never loads zod (see load.ts).
 */

/** Raised for a config that cannot be used; the CLI maps it to exit 2. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(message: string, issues: string[] = []) {
    super(issues.length ? `${message}\n  - ${issues.join('\n  - ')}` : message);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
