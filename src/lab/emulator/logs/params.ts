import { EmulatorError } from '../types.js';

/**
 * Readers for request members. CloudWatch Logs answers a missing or ill-typed member, and
 * a value outside its documented constraints, with InvalidParameterException and an AWS-style
 * "1 validation error detected" message; these helpers do the same so callers see what the
 * real service would say.
 */

type Input = Record<string, unknown>;

export function invalid(message: string): EmulatorError {
  return new EmulatorError('InvalidParameterException', message);
}

function constraint(member: string, value: unknown, rule: string): EmulatorError {
  return invalid(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`);
}

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function optionalString(input: Input, member: string, rule: StringRule = {}): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${member} must be a string`);
  if (rule.min !== undefined && value.length < rule.min) throw constraint(member, value, `Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw constraint(member, value, `Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern !== undefined && !rule.pattern.test(value)) throw constraint(member, value, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  return value;
}

export function requiredString(input: Input, member: string, rule: StringRule = {}): string {
  const value = optionalString(input, member, rule);
  if (value === undefined) throw constraint(member, 'null', 'Member must not be null');
  return value;
}

interface IntRule {
  min?: number;
  max?: number;
}

export function optionalInt(input: Input, member: string, rule: IntRule = {}): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${member} must be an integer`);
  if (rule.min !== undefined && value < rule.min) throw constraint(member, value, `Member must have value greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) throw constraint(member, value, `Member must have value less than or equal to ${rule.max}`);
  return value;
}

export function requiredInt(input: Input, member: string, rule: IntRule = {}): number {
  const value = optionalInt(input, member, rule);
  if (value === undefined) throw constraint(member, 'null', 'Member must not be null');
  return value;
}

export function optionalBool(input: Input, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${member} must be a boolean`);
  return value;
}

export function optionalStringList(input: Input, member: string, rule: { min?: number; max?: number } = {}): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw invalid(`${member} must be a list of strings`);
  if (rule.min !== undefined && value.length < rule.min) throw constraint(member, `[${value.join(', ')}]`, `Member must have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw constraint(member, `[${value.join(', ')}]`, `Member must have length less than or equal to ${rule.max}`);
  return value;
}

/** Log group names: 1-512 of `[.\-_/#A-Za-z0-9]`. */
export const LOG_GROUP_NAME = { min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/ };
/** Log stream names: 1-512 characters, no `:` or `*`. */
export const LOG_STREAM_NAME = { min: 1, max: 512, pattern: /^[^:*]*$/ };

/**
 * The group named by `logGroupName` or `logGroupIdentifier` (name or ARN): exactly one of
 * them, as the operations that accept both require.
 */
export function groupIdentifier(input: Input): string {
  const name = optionalString(input, 'logGroupName', LOG_GROUP_NAME);
  const identifier = optionalString(input, 'logGroupIdentifier', { min: 1, max: 2048 });
  if (name !== undefined && identifier !== undefined) throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  const chosen = name ?? identifier;
  if (chosen === undefined) throw invalid('Either logGroupName or logGroupIdentifier must be specified.');
  return chosen;
}
