import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import semver from 'semver';
import { manifestSchemaPath } from './manifest-schema-file.js';

/** One problem in plugin.json, at a JSON pointer. */
export interface ManifestIssue {
  readonly pointer: string;
  readonly message: string;
}

let compiled: ValidateFunction | null = null;

// Compiled once per process, from the schema file shipped in the SDK — the same file the host uses.
function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(JSON.parse(readFileSync(manifestSchemaPath(), 'utf8')) as object);
  return compiled;
}

function describe(e: ErrorObject): ManifestIssue {
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { pointer: `${e.instancePath}/${extra}`, message: `unknown property '${extra}' (check its spelling; unknown fields are not allowed)` };
  }
  if (e.keyword === 'required') return { pointer: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: 'is required' };
  if (e.keyword === 'enum') return { pointer: e.instancePath, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
  // `verbose` gives each error its schema: a pattern is explained by the schema's description, not its regex.
  const described = (e.parentSchema as { description?: string } | undefined)?.description;
  if (e.keyword === 'pattern' && described) return { pointer: e.instancePath, message: `${JSON.stringify(e.data)} is not valid: ${described}` };
  return { pointer: e.instancePath, message: e.message ?? 'is invalid' };
}

// The schema leaves uniqueness of job types out (ajv's uniqueItems is quadratic); the host checks it
// in one pass, ignoring case and braces, and so does pack.
function repeatedJobTypes(value: unknown): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const handlers = (value as { handlers?: Array<{ jobTypes?: unknown }> }).handlers ?? [];
  handlers.forEach((handler, h) => {
    const seen = new Map<string, number>();
    (Array.isArray(handler.jobTypes) ? handler.jobTypes : []).forEach((guid: unknown, j: number) => {
      if (typeof guid !== 'string') return;
      const key = /^\{?[0-9A-Fa-f-]{36}\}?$/.test(guid) ? guid.trim().replace(/^\{|\}$/g, '').toLowerCase() : guid;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else issues.push({ pointer: `/handlers/${h}/jobTypes/${j}`, message: `repeats /handlers/${h}/jobTypes/${first} (job types of a handler must be distinct)` });
    });
  });
  return issues;
}

/** Every problem of a plugin.json value: the schema, distinct job types, and the semver range of `engine`. */
export function validateManifest(value: unknown): ManifestIssue[] {
  const validate = validator();
  const issues = validate(value) ? repeatedJobTypes(value) : (validate.errors ?? []).map(describe);
  const engine = (value as { engine?: unknown } | null)?.engine;
  if (typeof engine === 'string' && semver.validRange(engine) === null) issues.push({ pointer: '/engine', message: `'${engine}' is not a semver range (e.g. '^0.1.0')` });
  return issues;
}

/** `/pointer: message` lines for printing. */
export function formatIssues(issues: readonly ManifestIssue[]): string[] {
  return issues.map((i) => `plugin.json ${i.pointer || '/'}: ${i.message}`);
}
