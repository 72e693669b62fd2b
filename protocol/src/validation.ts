import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ProtocolError } from './errors.js';

/** At most this many schema violations are reported back; the first few say enough. */
const MAX_REPORTED_ERRORS = 5;

export interface Violation {
  path: string;
  message: string;
}

export function violations(schema: TSchema, value: unknown): Violation[] {
  const found: Violation[] = [];
  for (const error of Value.Errors(schema, value)) {
    found.push({ path: error.path || '/', message: error.message });
    if (found.length >= MAX_REPORTED_ERRORS) break;
  }
  return found;
}

/** Returns the value typed by the schema, or throws VALIDATION_FAILED naming what is wrong. */
export function parse<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const found = violations(schema, value);
  const first = found[0];
  const summary = first ? `${first.path}: ${first.message}` : 'does not match its schema';
  throw new ProtocolError('VALIDATION_FAILED', `Invalid ${what}: ${summary}`, { violations: found });
}
