import type { ErrorObject } from 'ajv';
import type { Problem } from './problem.js';

// A pattern error quotes the offending value; a long one would crowd out the explanation after it.
const MAX_QUOTED_CHARS = 64;
const quote = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS - 1)}…` : text);
};

/**
 * Turns ajv errors (compiled with `allErrors` and `verbose`) into pointer + sentence: the offending
 * property for additionalProperties, the missing one for required, the allowed values for enum, and
 * for a pattern the value and the schema's description of what it must look like.
 */
export function toProblems(errors: readonly ErrorObject[] | null | undefined): Problem[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { pointer: `${e.instancePath}/${extra}`, message: `unknown property '${extra}' (check its spelling; unknown fields are not allowed)` };
    }
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { pointer: `${e.instancePath}/${missing}`, message: `is required` };
    }
    if (e.keyword === 'enum') {
      return { pointer: e.instancePath, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    }
    // `verbose` gives each error its schema: a pattern is explained by the schema's description, its regex kept after it.
    const described = (e.parentSchema as { description?: string } | undefined)?.description;
    if (e.keyword === 'pattern' && described) {
      return { pointer: e.instancePath, message: `${quote(e.data)} is not valid: ${described} (${e.message ?? 'is invalid'})` };
    }
    return { pointer: e.instancePath, message: e.message ?? 'is invalid' };
  });
}
