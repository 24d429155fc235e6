import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ManifestProblem } from '../errors.js';
import type { PluginManifest } from './plugin-manifest.js';

/**
 * Location of `plugin-manifest.schema.json`: the copy the SDK ships (built from the repository root's),
 * so an installed host validates with exactly the schema plugin authors build against.
 */
export const MANIFEST_SCHEMA_PATH = createRequire(import.meta.url).resolve('@jobhook/sdk/plugin-manifest.schema.json');

/** Turns ajv errors into pointer + sentence, naming the offending property for additionalProperties. */
export function toProblems(errors: readonly ErrorObject[] | null | undefined): ManifestProblem[] {
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
    const described = (e.parentSchema as { description?: string } | undefined)?.description;
    const hint = e.keyword === 'pattern' && described ? ` (${described})` : '';
    return { pointer: e.instancePath, message: `${e.message ?? 'is invalid'}${hint}` };
  });
}

/** A compiled validator for plugin.json; create one per host (compiling is the expensive part). */
export class ManifestSchema {
  private readonly validateFn: ValidateFunction;
  constructor(schemaPath: string = MANIFEST_SCHEMA_PATH) {
    // verbose: ajv attaches parentSchema (whose description explains a pattern) only in this mode.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    this.validateFn = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  }
  /** Every problem of `value` as a manifest (empty when valid). */
  problems(value: unknown): ManifestProblem[] {
    return this.validateFn(value) ? [] : toProblems(this.validateFn.errors);
  }
}
