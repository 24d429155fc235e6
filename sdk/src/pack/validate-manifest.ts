import { sharedManifestSchema } from '../contract/manifest-schema.js';
import type { Problem } from '../contract/problem.js';

/** One problem in plugin.json, at a JSON pointer. */
export type ManifestIssue = Problem;

/** Every problem of a plugin.json value: the schema, distinct job types, and the semver range of `engine`. */
export function validateManifest(value: unknown): ManifestIssue[] {
  return sharedManifestSchema().check(value);
}

/** `/pointer: message` lines for printing. */
export function formatIssues(issues: readonly ManifestIssue[]): string[] {
  return issues.map((i) => `plugin.json ${i.pointer || '/'}: ${i.message}`);
}
