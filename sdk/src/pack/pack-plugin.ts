import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { buildPlugin } from '../build/build-plugin.js';
import { PluginBuildError } from '../build/build-error.js';
import { sriSha256 } from '../contract/integrity.js';
import { sdkVersion } from './sdk-version.js';
import { tarGz, type TarEntry } from './tar-writer.js';
import { formatIssues, validateManifest } from './validate-manifest.js';

/** Where and how to write the package. */
export interface PackOptions {
  /** Output folder; default `<pluginDir>/out`. */
  readonly outDir?: string;
  /** Also write `<id>-<version>.tgz` (default true). */
  readonly tgz?: boolean;
}

/** What `packPlugin` produced. */
export interface PackResult {
  readonly id: string;
  readonly version: string;
  /** The drop-ready folder, named after the plugin id: move it into the host's plugins folder. */
  readonly folder: string;
  /** The archive of that folder, or null when not asked for. */
  readonly tarball: string | null;
  /** `sha256-<base64>` of the bundle, written into the packed plugin.json's `integrity`. */
  readonly integrity: string;
  readonly bundleBytes: number;
  /** Things that do not stop the package but deserve a look. */
  readonly warnings: readonly string[];
}

/** SRI form (`sha256-<base64>`), the same the host checks `integrity` with. */
export { sriSha256 };

async function readManifest(dir: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8'));
  } catch (e) {
    throw new PluginBuildError('PACK_NO_MANIFEST', dir, `plugin.json could not be read: ${(e as Error).message}`, [], { cause: e });
  }
  // The source's own integrity is about a previous build; the new one is computed below.
  const { integrity: _stale, ...rest } = (value ?? {}) as Record<string, unknown>;
  const issues = validateManifest(rest);
  if (issues.length > 0) throw new PluginBuildError('PACK_MANIFEST_INVALID', dir, 'plugin.json is not valid', formatIssues(issues));
  return rest;
}

/** Replaces `target` by `staged` (both folders) with the shortest possible gap for a watching host. */
async function swapFolder(staged: string, target: string): Promise<void> {
  const retired = path.join(path.dirname(target), `.${path.basename(target)}.old-${randomBytes(4).toString('hex')}`);
  let moved = false;
  try {
    await rename(target, retired);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await rename(staged, target);
  if (moved) await rm(retired, { recursive: true, force: true });
}

/**
 * Validates plugin.json, builds the bundle, and writes a drop-ready package: `<out>/<id>/` with
 * plugin.json (its `integrity` set to the bundle's sha256, `$schema` dropped) and the bundle, plus
 * `<out>/<id>-<version>.tgz` holding that folder.
 */
export async function packPlugin(pluginDir: string, options: PackOptions = {}): Promise<PackResult> {
  const dir = path.resolve(pluginDir);
  const source = await readManifest(dir);
  const id = source.id as string;
  const version = source.version as string;
  const main = (source.main as string).split(/[\\/]/).join('/');
  const warnings: string[] = [];
  if (!semver.satisfies(sdkVersion(), source.engine as string, { includePrerelease: true })) {
    warnings.push(`"engine": "${String(source.engine)}" does not include the SDK it was built with (${sdkVersion()}); hosts may refuse it`);
  }

  const built = await buildPlugin(dir);
  const bundle = await readFile(built.outfile);
  const integrity = sriSha256(bundle);
  const { $schema: _editorOnly, ...deployed }: Record<string, unknown> = { ...source, integrity };
  const manifestText = `${JSON.stringify(deployed, null, 2)}\n`;

  const outDir = path.resolve(options.outDir ?? path.join(dir, 'out'));
  await mkdir(outDir, { recursive: true });
  const folder = path.join(outDir, id);
  // Staged under a dot-name, which hosts ignore, then swapped in whole.
  const staged = path.join(outDir, `.${id}.staging-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(path.dirname(path.join(staged, main)), { recursive: true });
    await writeFile(path.join(staged, main), bundle);
    await writeFile(path.join(staged, 'plugin.json'), manifestText);
    await swapFolder(staged, folder);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }

  let tarball: string | null = null;
  if (options.tgz !== false) {
    const dirs = main.split('/').slice(0, -1).map((_, i, parts) => `${id}/${parts.slice(0, i + 1).join('/')}/`);
    const entries: TarEntry[] = [
      { path: `${id}/` },
      { path: `${id}/plugin.json`, content: Buffer.from(manifestText) },
      ...dirs.map((p) => ({ path: p })),
      { path: `${id}/${main}`, content: bundle },
    ];
    tarball = path.join(outDir, `${id}-${version}.tgz`);
    await writeFile(tarball, tarGz(entries));
  }
  return { id, version, folder, tarball, integrity, bundleBytes: bundle.length, warnings };
}
