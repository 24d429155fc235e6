import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isSafeMainPath, type Problem } from '@jobhook/sdk/contract';
import type { JobHookError } from '../../errors.js';
import type { ManifestSchema } from '../package/manifest-schema.js';
import { DEFAULT_PACKAGE_RULES, type PackageRules } from '../package/package-rules.js';
import { readPackageFile } from '../package/read-package-file.js';
import { readPluginPackage, type PluginPackage } from '../package/read-plugin-package.js';
import { linkedFolderError } from '../registry/plugin-folder-entry.js';

/** What a plugin folder holds right now, as the watcher sees it. */
export type PackageProbe =
  | { readonly kind: 'missing' }
  /** Looks half-written (being copied, extracted or edited): wait, do not report it yet. */
  | { readonly kind: 'incomplete'; readonly reason: string; readonly error: Error }
  /** Complete but wrong: the registry refuses it and reports why. */
  | { readonly kind: 'invalid'; readonly error: Error }
  | { readonly kind: 'ready'; readonly pkg: PluginPackage };

const hasProblemAt = (e: unknown, pointer: string): boolean => ((e as { problems?: Problem[] }).problems ?? []).some((p) => p.pointer === pointer);

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

// The failures a folder shows while its files are still arriving: no plugin.json yet, a truncated
// plugin.json, the bundle not written yet, or a bundle that does not match `integrity` (or its
// signature) yet. Signatures are written last by signing tools, after the files they cover.
async function incompleteReason(folder: string, e: unknown, rules: PackageRules): Promise<string | null> {
  switch ((e as JobHookError).code) {
    case 'MANIFEST_MISSING':
      return 'plugin.json is not there yet';
    case 'MANIFEST_NOT_JSON':
      return 'plugin.json is not complete JSON yet';
    case 'PACKAGE_UNSIGNED':
      return 'plugin.sig is not there yet';
    case 'PACKAGE_SIGNATURE_INVALID':
      return 'plugin.sig does not match the files yet';
    case 'MANIFEST_INVALID':
      break;
    default:
      return null;
  }
  if (hasProblemAt(e, '/integrity')) return 'the bundle does not match plugin.json "integrity" yet';
  if (!hasProblemAt(e, '/main')) return null;
  try {
    // Read as carefully as the first time: the file may have become a FIFO or a link since.
    const read = await readPackageFile(path.join(folder, 'plugin.json'), rules.maxManifestBytes);
    if (!read.ok) return null;
    const main = (JSON.parse(read.bytes.toString('utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && isSafeMainPath(main) && !(await exists(path.join(folder, main)))) {
      return `its bundle '${main}' is not there yet`;
    }
  } catch {
    return 'plugin.json changed while it was read';
  }
  return null;
}

/**
 * Reads a plugin folder and sorts the result: gone, still arriving, complete but invalid, or ready
 * to load (with the package read and checked once, for the registry to use as is).
 */
export async function probePackage(folder: string, schema: ManifestSchema, rules: PackageRules = DEFAULT_PACKAGE_RULES): Promise<PackageProbe> {
  try {
    const entry = await lstat(folder);
    if (entry.isSymbolicLink()) return { kind: 'invalid', error: linkedFolderError(folder) };
    if (!entry.isDirectory()) return { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
  try {
    return { kind: 'ready', pkg: await readPluginPackage(folder, schema, rules) };
  } catch (e) {
    if ((e as JobHookError).code === 'PLUGIN_DIR_MISSING') return { kind: 'missing' };
    const error = e instanceof Error ? e : new Error(String(e));
    const reason = await incompleteReason(folder, e, rules);
    return reason === null ? { kind: 'invalid', error } : { kind: 'incomplete', reason, error };
  }
}
