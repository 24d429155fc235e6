import type { ManifestProblem } from '../errors.js';
import { normalizeGuid, type PluginManifest } from './plugin-manifest.js';

// The schema cannot check uniqueness cheaply (ajv's uniqueItems is quadratic), and GUIDs compare
// case-insensitively anyway: one pass with a set per handler. Symbolic job types compare as written.
const GUID = /^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/;

/** Job types listed twice by one handler (GUIDs compared ignoring case and braces), each at its pointer. */
export function repeatedJobTypes(manifest: PluginManifest): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  manifest.handlers.forEach((handler, h) => {
    const seen = new Map<string, number>();
    handler.jobTypes.forEach((guid, j) => {
      const key = GUID.test(guid) ? normalizeGuid(guid) : guid;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, j);
      else problems.push({ pointer: `/handlers/${h}/jobTypes/${j}`, message: `repeats /handlers/${h}/jobTypes/${first} (job types of a handler must be distinct)` });
    });
  });
  return problems;
}
