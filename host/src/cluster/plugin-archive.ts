import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, create } from 'tar';
import { JobHookError } from '../errors.js';

/** Bounds on a deployed package (a plugin is a manifest and one bundle: far below these). */
export const ARCHIVE_LIMITS = { maxCompressedBytes: 32 * 1024 * 1024, maxUnpackedBytes: 64 * 1024 * 1024, maxEntries: 1000 } as const;

/** A package archive is unsafe or not a plugin package. Code `DEPLOY_PACKAGE_INVALID`. */
export class PackageArchiveError extends JobHookError {
  override readonly name = 'PackageArchiveError';
}

const invalid = (message: string): PackageArchiveError => new PackageArchiveError('DEPLOY_PACKAGE_INVALID', message);

/** Files of a package, by their path relative to the plugin folder. */
export type PackageFiles = ReadonlyMap<string, Buffer>;

// Only plain relative paths: no absolute path, no '..', no backslash or drive, nothing hidden at the top.
function safeRelative(p: string): string | null {
  const clean = p.replace(/^\.\//, '').replace(/\/+$/, '');
  if (clean === '' || clean.includes('\\') || clean.includes('\0') || path.posix.isAbsolute(clean) || /^[A-Za-z]:/.test(clean)) return null;
  const parts = clean.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return null;
  return clean;
}

/**
 * Reads a .tgz package into memory without touching the disk: only regular files and folders, no
 * links or devices, no path leaving the package, bounded sizes (a gzip bomb stops at the cap). A
 * package holding one top folder (as `jobhook-sdk pack` writes it) has that folder stripped.
 */
export async function readPackageArchive(tgz: Buffer): Promise<PackageFiles> {
  if (tgz.length > ARCHIVE_LIMITS.maxCompressedBytes) throw invalid(`the package is ${tgz.length} bytes; at most ${ARCHIVE_LIMITS.maxCompressedBytes} are accepted`);
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(tgz, { maxOutputLength: ARCHIVE_LIMITS.maxUnpackedBytes + 1024 * 1024 });
  } catch (e) {
    throw invalid(`the package is not a gzip-compressed tar archive (.tgz) within ${ARCHIVE_LIMITS.maxUnpackedBytes} bytes unpacked: ${(e as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let problem: string | null = null;
  let entries = 0;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        const rel = safeRelative(entry.path);
        if (problem === null && entries > ARCHIVE_LIMITS.maxEntries) problem = `more than ${ARCHIVE_LIMITS.maxEntries} entries`;
        else if (problem === null && rel === null) problem = `unsafe path '${entry.path}' (absolute, '..' or backslash)`;
        else if (problem === null && entry.type !== 'File' && entry.type !== 'Directory' && entry.type !== 'OldFile') problem = `'${entry.path}' is a ${entry.type}; only files and folders are allowed`;
        if (problem !== null || entry.type === 'Directory') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => {
          total += c.length;
          if (total <= ARCHIVE_LIMITS.maxUnpackedBytes) chunks.push(c);
          else problem ??= `more than ${ARCHIVE_LIMITS.maxUnpackedBytes} bytes unpacked`;
        });
        entry.on('end', () => files.set(rel!, Buffer.concat(chunks)));
      },
    });
    parser.on('error', (e: Error) => reject(invalid(`the package's tar archive is damaged: ${e.message}`)));
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  if (problem !== null) throw invalid(`the package was refused: ${problem}`);
  if (files.has('plugin.json')) return files;
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]!));
  const [top] = tops;
  if (tops.size === 1 && files.has(`${top}/plugin.json`)) {
    return new Map([...files].filter(([p]) => p.startsWith(`${top}/`)).map(([p, b]) => [p.slice(top!.length + 1), b]));
  }
  throw invalid('the package has no plugin.json at its top (or inside its single top folder)');
}

/** Writes `files` into `dir` (created), e.g. a staging folder. */
export async function writePackageFiles(dir: string, files: PackageFiles): Promise<void> {
  for (const [rel, bytes] of files) {
    const target = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

/**
 * Packs what a host needs of a built plugin folder, plugin.json, its `main` bundle and its signature
 * (`plugin.sig`, when signed), into a .tgz under one top folder named after the plugin id (the
 * layout `jobhook-sdk pack` writes).
 */
export async function packPluginFolder(folder: string): Promise<{ readonly id: string; readonly version: string; readonly tgz: Buffer }> {
  let manifest: { id?: unknown; version?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(await readFile(path.join(folder, 'plugin.json'), 'utf8')) as typeof manifest;
  } catch (e) {
    throw invalid(`'${folder}' has no readable plugin.json: ${(e as Error).message}`);
  }
  const { id, version, main } = manifest;
  if (typeof id !== 'string' || typeof version !== 'string' || typeof main !== 'string') throw invalid(`'${folder}/plugin.json' needs "id", "version" and "main" strings`);
  const mainRel = safeRelative(main.split(path.sep).join('/'));
  if (mainRel === null) throw invalid(`'${folder}/plugin.json': "main" must be a relative path inside the package`);
  const signed = await access(path.join(folder, 'plugin.sig')).then(
    () => true,
    () => false,
  );
  const stream = create({ gzip: true, cwd: folder, prefix: id, portable: true, follow: false }, ['plugin.json', mainRel, ...(signed ? ['plugin.sig'] : [])]);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { id, version, tgz: Buffer.concat(chunks) };
}
