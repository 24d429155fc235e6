import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { JobHookError } from '../../errors.js';
import type { HostLogger } from '../../logging/logger.js';
import type { ManifestSchema } from '../package/manifest-schema.js';
import type { PackageRules } from '../package/package-rules.js';
import { readPluginPackage, type PluginPackage } from '../package/read-plugin-package.js';

/** Folder names under the plugins directory that are never plugin packages. */
export function isIgnoredEntry(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name.endsWith('~') || /\.(swp|swx|tmp|partial|crdownload)$/i.test(name);
}

/**
 * The error for a plugin folder that is a symbolic link. Links are not followed: a link can be
 * re-pointed under a running plugin without any event in the plugins folder itself.
 */
export function linkedFolderError(folder: string): JobHookError {
  return new JobHookError(
    'PLUGIN_FOLDER_IS_LINK',
    `'${folder}' is a symbolic link; JobHook does not follow links in the plugins folder — copy or move the package folder in instead`,
  );
}

/** One candidate package folder directly under the plugins folder. */
export interface PluginFolderEntry {
  /** Its resolved path. */
  readonly folder: string;
  /** It is a symbolic link: refused, never followed. */
  readonly isLink: boolean;
}

/** The candidate package folders under `pluginsDir`, in name order; PLUGINS_DIR_UNREADABLE when it cannot be listed. */
export async function listPluginFolders(pluginsDir: string): Promise<PluginFolderEntry[]> {
  try {
    const entries = (await readdir(pluginsDir, { withFileTypes: true })).filter((d) => (d.isDirectory() || d.isSymbolicLink()) && !isIgnoredEntry(d.name));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return entries.map((d) => ({ folder: path.resolve(pluginsDir, d.name), isLink: d.isSymbolicLink() }));
  } catch (e) {
    throw new JobHookError('PLUGINS_DIR_UNREADABLE', `the plugins folder '${pluginsDir}' cannot be read: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/** Reads every candidate folder under `pluginsDir` at once: each one's package, or the error reading it gave. */
export async function readPluginFolders(
  pluginsDir: string,
  schema: ManifestSchema,
  rules?: PackageRules,
): Promise<Array<{ readonly folder: string; readonly pkg: PluginPackage | Error }>> {
  const entries = await listPluginFolders(pluginsDir);
  return Promise.all(
    entries.map(async ({ folder, isLink }) => ({
      folder,
      pkg: isLink ? linkedFolderError(folder) : await readPluginPackage(folder, schema, rules).catch((e: unknown) => e as Error),
    })),
  );
}

/** Logs PACKAGE_UNSIGNED for an unsigned package when the trust rules ask for a warning (and not a refusal). */
export function warnIfUnsigned(pkg: PluginPackage, folder: string, rules: PackageRules | undefined, logger: HostLogger): void {
  if (pkg.signedBy !== null || rules?.trust?.unsigned !== 'warn') return;
  logger.warn(
    { pluginId: pkg.manifest.id, folder, code: 'PACKAGE_UNSIGNED' },
    `plugin '${pkg.manifest.id}' is not signed (trust.unsigned: warn); sign it with 'jobhook-sdk sign', or set trust.unsigned to 'allow' or 'refuse'`,
  );
}
