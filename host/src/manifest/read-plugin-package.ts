import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { ManifestError, type ManifestProblem } from '../errors.js';
import { HOST_API_VERSION } from '../version.js';
import type { ManifestSchema } from './manifest-schema.js';
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
}

/** SRI form (`sha256-<base64>`) of some bytes. */
export function sriSha256(bytes: Buffer): string {
  return `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function readBundle(dir: string, main: string, problems: ManifestProblem[]): Promise<Buffer | null> {
  if (path.isAbsolute(main) || /^[A-Za-z]:/.test(main) || main.split(/[\\/]/).includes('..')) {
    problems.push({ pointer: '/main', message: `'${main}' must be a relative path inside the package (no '..', not absolute)` });
    return null;
  }
  const target = path.join(dir, main);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    problems.push({ pointer: '/main', message: `file '${main}' does not exist in the package (build the plugin with 'jobhook-sdk build')` });
    return null;
  }
  if (!isInside(dir, real)) {
    problems.push({ pointer: '/main', message: `'${main}' resolves outside the package folder (symlink escape to ${real}); the bundle must live inside the package` });
    return null;
  }
  if (!(await stat(real)).isFile()) {
    problems.push({ pointer: '/main', message: `'${main}' is not a file` });
    return null;
  }
  return readFile(real);
}

/**
 * Reads and checks a plugin package folder: plugin.json against the schema, the engine range, the
 * safety of `main`, and `integrity`. Throws a ManifestError listing every problem found.
 */
export async function readPluginPackage(folder: string, schema: ManifestSchema): Promise<PluginPackage> {
  let dir: string;
  try {
    dir = await realpath(folder);
  } catch (e) {
    throw new ManifestError('PLUGIN_DIR_MISSING', folder, [{ pointer: '', message: 'the plugin folder does not exist' }], undefined, { cause: e });
  }
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(path.join(dir, 'plugin.json'));
  } catch (e) {
    throw new ManifestError('MANIFEST_MISSING', folder, [{ pointer: '', message: 'no readable plugin.json in the folder' }], undefined, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch (e) {
    throw new ManifestError('MANIFEST_NOT_JSON', folder, [{ pointer: '', message: `plugin.json is not valid JSON: ${(e as Error).message}` }], undefined, { cause: e });
  }
  const problems = schema.problems(raw);
  const candidate = (raw ?? {}) as Partial<PluginManifest>;
  const pluginId = typeof candidate.id === 'string' ? candidate.id : undefined;

  if (typeof candidate.engine === 'string') {
    if (semver.validRange(candidate.engine) === null) {
      problems.push({ pointer: '/engine', message: `'${candidate.engine}' is not a semver range (e.g. '^0.1.0')` });
    } else if (!semver.satisfies(HOST_API_VERSION, candidate.engine, { includePrerelease: true })) {
      problems.push({ pointer: '/engine', message: `the plugin needs host API '${candidate.engine}' but this host provides ${HOST_API_VERSION}` });
    }
  }
  const bundle = typeof candidate.main === 'string' ? await readBundle(dir, candidate.main, problems) : null;
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
  const contentHash = createHash('sha256').update(manifestBytes).update('\0').update(bundle).digest('hex');
  return { dir, manifest: raw as PluginManifest, bundleCode: bundle.toString('utf8'), bundleIntegrity, contentHash };
}
