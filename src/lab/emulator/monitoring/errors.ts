import { EmulatorError } from '../types.js';

/**
 * CloudWatch's validation errors, by exception shape name (the codecs turn them into the
 * query codes `MissingParameter`, `InvalidParameterValue`, `InvalidParameterCombination`).
 */
export function missingParameter(name: string): EmulatorError {
  return new EmulatorError('MissingRequiredParameterException', `The parameter ${name} is required.`);
}

export function invalidValue(message: string): EmulatorError {
  return new EmulatorError('InvalidParameterValueException', message);
}

export function invalidCombination(message: string): EmulatorError {
  return new EmulatorError('InvalidParameterCombinationException', message);
}

/** CloudWatch's not-found for alarms is the `ResourceNotFound` shape (status 404). */
export function alarmNotFound(message: string): EmulatorError {
  return new EmulatorError('ResourceNotFound', message, 404);
}

export const INVALID_NEXT_TOKEN = 'InvalidNextToken';
