import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PluginChange } from '../plugins/registry/plugin-change.js';

/** A plugin the host could not load, and whether the event at hand would have gone to it. */
export interface RefusedPlugin {
  readonly plugin: string;
  readonly folder: string;
  readonly code: string;
  readonly message: string;
  /** Its manifest names the event's job type (false also when the manifest cannot be read). */
  readonly wouldRoute: boolean;
}

// The manifest is what routing goes by; a plugin refused for its manifest has none worth trusting,
// but one refused later (its constructor threw, its bundle failed) still says where it belongs.
async function manifestJobTypes(folder: string): Promise<Set<string>> {
  try {
    const manifest = JSON.parse(await readFile(path.join(folder, 'plugin.json'), 'utf8')) as { handlers?: Array<{ jobTypes?: unknown }> };
    const types = (manifest.handlers ?? []).flatMap((h) => (Array.isArray(h?.jobTypes) ? h.jobTypes : []));
    return new Set(types.filter((t): t is string => typeof t === 'string').map((t) => t.toLowerCase()));
  } catch {
    return new Set();
  }
}

/** The refusals among `changes`, each with whether `jobTypeId` routes to it. */
export async function refusedPlugins(changes: readonly PluginChange[], jobTypeId: string): Promise<RefusedPlugin[]> {
  const refused = changes.filter((c): c is Extract<PluginChange, { kind: 'refused' }> => c.kind === 'refused');
  return Promise.all(
    refused.map(async (c) => ({
      plugin: c.id ?? path.basename(c.folder),
      folder: c.folder,
      code: c.error.code,
      message: c.error.message,
      wouldRoute: (await manifestJobTypes(c.folder)).has(jobTypeId.toLowerCase()),
    })),
  );
}
