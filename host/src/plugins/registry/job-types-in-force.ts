import type { PluginOverrides } from '../../config.js';
import { JobHookError, PluginLoadError } from '../../errors.js';
import { normalizeGuid } from '@jobhook/sdk/contract';
import type { PluginManifest } from '../package/plugin-manifest.js';
import { parseJobTypeEntry } from '../../platform/job-type-names.js';
import type { JobTypeResolver, ResolvedJobType } from '../../platform/job-type-resolver.js';

/** The job types one handler runs for, and where the list came from. */
export interface HandlerJobTypes {
  /** Normalised GUIDs: what routing uses. */
  readonly jobTypes: readonly string[];
  /** `config`: the admin's `plugins.<id>.handlers.<name>.jobTypes`; `manifest`: plugin.json. */
  readonly source: 'manifest' | 'config';
  /** The symbolic entries of the manifest and what they resolved to (empty when the admin's list is in force). */
  readonly resolved: readonly ResolvedJobType[];
  /** Set when the handler is refused (a name did not resolve): it routes nothing; the plugin's other handlers serve. */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Works out each handler's job types in force, before the plugin's code runs: the admin's list when
 * there is one, else the manifest's, each symbolic name resolved through the platform. A name that
 * does not resolve refuses that handler (it routes nothing), with a code and the plugin, handler and
 * name in the message; the plugin's other handlers are not held back by it.
 */
export async function jobTypesInForce(
  manifest: PluginManifest,
  overrides: PluginOverrides | undefined,
  resolver: JobTypeResolver,
  options: { readonly cached: boolean },
): Promise<Map<string, HandlerJobTypes>> {
  const { id, version } = manifest;
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new PluginLoadError(code, `Loading plugin '${id}' ${version} failed: ${message}`, id, { cause });
  };
  const admin = overrides?.handlers ?? {};
  const known = manifest.handlers.map((h) => h.name);
  for (const name of Object.keys(admin)) {
    if (!known.includes(name)) fail('PLUGIN_CONFIG_UNKNOWN_HANDLER', `plugins.${id}.handlers names '${name}', which is not a handler of plugin.json (it has: ${known.join(', ')})`);
  }
  const out = new Map<string, HandlerJobTypes>();
  await Promise.all(
    manifest.handlers.map(async (h) => {
      const set = admin[h.name]?.jobTypes;
      if (set) {
        out.set(h.name, { jobTypes: [...new Set(set.map(normalizeGuid))], source: 'config', resolved: [] });
        return;
      }
      const guids: string[] = [];
      const resolved: ResolvedJobType[] = [];
      for (const text of h.jobTypes) {
        const entry = parseJobTypeEntry(text);
        if (entry === null) return fail('JOB_TYPE_INVALID', `handler '${h.name}': job type '${text}' is neither a GUID, '<StoreTypeShortName>:<Inventory|Management|Reenrollment|Discovery>' nor 'custom:<JobTypeName>'`);
        if (entry.kind === 'guid') {
          guids.push(entry.guid);
          continue;
        }
        try {
          const r = await resolver.resolve(entry, options);
          resolved.push(r);
          guids.push(r.jobTypeId);
        } catch (e) {
          const err = e as JobHookError;
          const code = err instanceof JobHookError ? err.code : 'JOB_TYPE_LOOKUP_FAILED';
          const message = `handler '${h.name}' of plugin '${id}' ${version} is refused: job type '${text}' does not resolve: ${err.message}`;
          out.set(h.name, { jobTypes: [], source: 'manifest', resolved: [], error: { code, message } });
          return;
        }
      }
      out.set(h.name, { jobTypes: [...new Set(guids)], source: 'manifest', resolved });
    }),
  );
  return new Map(manifest.handlers.map((h) => [h.name, out.get(h.name)!]));
}
