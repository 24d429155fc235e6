import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import semver from 'semver';
import { toProblems } from './ajv-problems.js';
import { GUID_PATTERN, normalizeGuid } from './guid.js';
import type { Problem } from './problem.js';

/**
 * Location of `plugin-manifest.schema.json` in the SDK's dist (copied there from the repository root
 * at SDK build): the host validates with exactly the schema plugin authors build against.
 */
export const MANIFEST_SCHEMA_PATH = fileURLToPath(new URL('../plugin-manifest.schema.json', import.meta.url));

interface HandlerShape {
  readonly jobTypes?: unknown;
}

/**
 * Job types listed twice by one handler, each at its pointer. The schema cannot check uniqueness
 * cheaply (ajv's uniqueItems is quadratic), and GUIDs compare ignoring case and braces: one pass with
 * a set per handler. Symbolic job types compare as written.
 */
export function repeatedJobTypes(manifest: unknown): Problem[] {
  const problems: Problem[] = [];
  const handlers = (manifest as { handlers?: unknown } | null)?.handlers;
  (Array.isArray(handlers) ? (handlers as HandlerShape[]) : []).forEach((handler, h) => {
    const seen = new Map<string, number>();
    (Array.isArray(handler?.jobTypes) ? (handler.jobTypes as unknown[]) : []).forEach((guid, j) => {
      if (typeof guid !== 'string') return;
      const key = GUID_PATTERN.test(guid) ? normalizeGuid(guid) : guid;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else problems.push({ pointer: `/handlers/${h}/jobTypes/${j}`, message: `repeats /handlers/${h}/jobTypes/${first} (job types of a handler must be distinct)` });
    });
  });
  return problems;
}

/** A compiled validator for plugin.json; compiling is the expensive part, so keep one. */
export class ManifestSchema {
  private readonly validateFn: ValidateFunction;
  constructor(schemaPath: string = MANIFEST_SCHEMA_PATH) {
    // verbose: ajv attaches parentSchema (whose description explains a pattern) only in this mode.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    this.validateFn = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  }

  /** Every problem of `value` against the schema alone (empty when valid). */
  problems(value: unknown): Problem[] {
    return this.validateFn(value) ? [] : toProblems(this.validateFn.errors);
  }

  /**
   * Every problem of `value` as a manifest, wherever it is checked: the schema, then (once the schema
   * passes) distinct job types, then that `engine` is a semver range. The host adds what depends on
   * it: that the range includes its API, and the package's files.
   */
  check(value: unknown): Problem[] {
    const problems = this.problems(value);
    if (problems.length === 0) problems.push(...repeatedJobTypes(value));
    const engine = (value as { engine?: unknown } | null)?.engine;
    if (typeof engine === 'string' && semver.validRange(engine) === null) {
      problems.push({ pointer: '/engine', message: `'${engine.slice(0, 64)}' is not a semver range (e.g. '^0.1.0')` });
    }
    return problems;
  }
}

let shared: ManifestSchema | null = null;

/** One validator for the shipped schema, compiled on first use and kept for the process. */
export function sharedManifestSchema(): ManifestSchema {
  shared ??= new ManifestSchema();
  return shared;
}
