/** Reads an API key from the environment variable the user named; only the variable's name ever appears in errors. */
import { ValidationError } from '../../core/errors.ts';

export function readApiKey(variableName: string, env: Record<string, string | undefined> = process.env): string {
  const value = env[variableName];
  if (!value) throw new ValidationError(`environment variable ${variableName} is not set (it should hold the API key)`, 'apiKeyEnv');
  return value;
}
