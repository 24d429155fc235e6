import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { isSafeMainPath, sriSha256, type ManifestSchema, type Problem } from '@jobhook/sdk/contract';
import { ManifestError } from '../../errors.js';
import { verifyPackageSignature } from '../trust/verify-package-signature.js';
import { HOST_API_VERSION } from '../../version.js';
import { jsonSyntaxProblem } from './json-syntax-problem.js';
import { DEFAULT_PACKAGE_RULES, formatBytes, type PackageRules } from './package-rules.js';
import { readPackageFile } from './read-package-file.js';
import type { PluginManifest } from './plugin-manifest.js';

/** A plugin package read from disk and checked: everything the loader needs, nothing read twice. */
export interface PluginPackage {
  /** Absolute, real path of the package folder. */
  readonly dir: string;
  readonly manifest: PluginManifest;
  readonly bundleCode: string;
  /** `sha256-<base64>` of the bundle, the form `integrity` uses. */
  readonly bundleIntegrity: string;
  /** Hex sha256 over manifest and bundle bytes: identifies this exact version of the package. */
  readonly contentHash: string;
  /** The trusted key that signed the package (plugin.sig), or null when it is unsigned. */
  readonly signedBy: string | null;
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function readBundle(dir: string, main: string, problems: Problem[], rules: PackageRules, pluginId: string | undefined): Promise<Buffer | null> {
  if (!isSafeMainPath(main)) {
    problems.push({ pointer: '/main', message: `'${main}' must be a relative path inside the package (no '..', not absolute)` });
    return null;
  }
  const target = path.join(dir, main);
  let real: string;
  try {
    real = realpathSync.native(target);
  } catch {
    problems.push({ pointer: '/main', message: `file '${main}' does not exist in the package (build the plugin with 'jobhook-sdk build')` });
    return null;
  }
  if (!isInside(dir, real)) {
    problems.push({ pointer: '/main', message: `'${main}' resolves outside the package folder (symlink escape); the bundle must live inside the package` });
    return null;
  }
  const read = await readPackageFile(real, rules.maxBundleBytes);
  if (read.ok) return read.bytes;
  switch (read.failure.kind) {
    case 'too-large':
      throw new ManifestError(
        'BUNDLE_TOO_LARGE',
        dir,
        [{ pointer: '/main', message: `plugin '${pluginId ?? '?'}': the bundle '${main}' is ${formatBytes(read.failure.size)}, over the limit of ${formatBytes(rules.maxBundleBytes)} (packages.maxBundleBytes)` }],
        pluginId,
      );
    case 'missing':
      problems.push({ pointer: '/main', message: `file '${main}' does not exist in the package (build the plugin with 'jobhook-sdk build')` });
      return null;
    case 'link':
      problems.push({ pointer: '/main', message: `'${main}' changed into a symbolic link while it was read` });
      return null;
    default:
      problems.push({ pointer: '/main', message: `'${main}' is not a file (${read.failure.what})` });
      return null;
  }
}

/** plugin.json's bytes: a regular file of the package, not a link, within the size cap. */
async function readManifestBytes(folder: string, dir: string, rules: PackageRules): Promise<Buffer> {
  const read = await readPackageFile(path.join(dir, 'plugin.json'), rules.maxManifestBytes);
  if (read.ok) return read.bytes;
  const refuse = (code: string, message: string): never => {
    throw new ManifestError(code, folder, [{ pointer: '', message }]);
  };
  switch (read.failure.kind) {
    case 'missing':
      return refuse('MANIFEST_MISSING', 'no readable plugin.json in the folder');
    case 'link':
      return refuse('MANIFEST_NOT_REGULAR', 'plugin.json is a symbolic link; it must be a regular file inside the package (copy the file in instead of linking it)');
    case 'not-regular':
      return refuse('MANIFEST_NOT_REGULAR', `plugin.json is ${read.failure.what}; it must be a regular file inside the package`);
    case 'too-large':
      return refuse('MANIFEST_TOO_LARGE', `plugin.json is ${formatBytes(read.failure.size)}, over the limit of ${formatBytes(rules.maxManifestBytes)} (packages.maxManifestBytes)`);
  }
}

/**
 * Reads and checks a plugin package folder: plugin.json against the schema, the engine range, the
 * safety of `main`, and `integrity`. Throws a ManifestError listing every problem found.
 */
export async function readPluginPackage(folder: string, schema: ManifestSchema, rules: PackageRules = DEFAULT_PACKAGE_RULES): Promise<PluginPackage> {
  let dir: string;
  try {
    dir = realpathSync.native(folder);
  } catch (e) {
    throw new ManifestError('PLUGIN_DIR_MISSING', folder, [{ pointer: '', message: 'the plugin folder does not exist' }], undefined, { cause: e });
  }
  const manifestBytes = await readManifestBytes(folder, dir, rules);
  const text = manifestBytes.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // No cause: V8's message quotes the file, and the file may not be a manifest at all.
    throw new ManifestError('MANIFEST_NOT_JSON', folder, [{ pointer: '', message: jsonSyntaxProblem(text, e) }]);
  }
  // The checks every side applies (schema, distinct job types, engine a semver range), then this host's own.
  const problems = schema.check(raw);
  const candidate = (raw ?? {}) as Partial<PluginManifest>;
  const pluginId = typeof candidate.id === 'string' ? candidate.id : undefined;

  const engine = candidate.engine;
  if (typeof engine === 'string' && semver.validRange(engine) !== null && !semver.satisfies(HOST_API_VERSION, engine, { includePrerelease: true })) {
    problems.push({ pointer: '/engine', message: `the plugin needs host API '${engine}' but this host provides ${HOST_API_VERSION}` });
  }
  const bundle = typeof candidate.main === 'string' ? await readBundle(dir, candidate.main, problems, rules, pluginId) : null;
  const bundleIntegrity = bundle ? sriSha256(bundle) : '';
  if (bundle && typeof candidate.integrity === 'string' && candidate.integrity !== bundleIntegrity) {
    problems.push({
      pointer: '/integrity',
      message: `does not match '${candidate.main}': plugin.json says ${candidate.integrity}, the file hashes to ${bundleIntegrity} (rebuild with 'jobhook-sdk pack' or fix the field)`,
    });
  }
  // No problems means the schema passed: `raw` is a PluginManifest (validated once, above).
  if (problems.length > 0 || !bundle) {
    throw new ManifestError('MANIFEST_INVALID', folder, problems, pluginId);
  }
  const manifest = raw as PluginManifest;
  const { signedBy } = rules.trust ? await verifyPackageSignature(dir, raw, bundle, rules.trust, manifest.id) : { signedBy: null };
  const contentHash = createHash('sha256').update(manifestBytes).update('\0').update(bundle).digest('hex');
  return { dir, manifest, bundleCode: bundle.toString('utf8'), bundleIntegrity, contentHash, signedBy };
}
