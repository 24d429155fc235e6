import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

/** Why a file of a package could not be read; each maps to a manifest problem or error code. */
export type PackageFileFailure =
  | { readonly kind: 'missing' }
  | { readonly kind: 'link' }
  | { readonly kind: 'not-regular'; readonly what: string }
  | { readonly kind: 'too-large'; readonly size: number };

/** The bytes of a package file, or why they were not read. */
export type PackageFileRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly failure: PackageFileFailure };

// O_NOFOLLOW: a link swapped in after the lstat is refused by the kernel instead of followed.
// O_NONBLOCK: opening a FIFO does not wait for a writer (it would hold the thread forever);
// the fstat below then refuses it without reading.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function kindOf(stats: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isDirectory(): boolean }): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/**
 * Reads one file of a plugin package, refusing before any byte is read: anything but a regular file
 * (a link, FIFO, device, socket, folder) and anything over `maxBytes`. The size is taken from the
 * opened descriptor, and reading stops at `maxBytes + 1` in case the file grows meanwhile, so a file
 * that never ends (a device, a growing log) costs at most the cap.
 *
 * The system calls are synchronous. Through the thread pool, each of a plugin load's fifteen (two
 * realpaths; lstat, open, fstat, two reads and close of plugin.json and the bundle; plugin.sig's
 * lstat) was a hand-off to another thread and back: together ~1 ms of the host's CPU and 0.5-1 ms
 * of each load on a loaded machine, against ~0.1 ms done in place. What they block for is bounded
 * by the caps, and is less than the hashing the loader already does synchronously over the same
 * bytes.
 */
export async function readPackageFile(file: string, maxBytes: number): Promise<PackageFileRead> {
  const fail = (failure: PackageFileFailure): PackageFileRead => ({ ok: false, failure });
  try {
    const entry = lstatSync(file);
    if (entry.isSymbolicLink()) return fail({ kind: 'link' });
    if (!entry.isFile()) return fail({ kind: 'not-regular', what: kindOf(entry) });
    if (entry.size > maxBytes) return fail({ kind: 'too-large', size: entry.size });
  } catch {
    return fail({ kind: 'missing' });
  }
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ELOOP' || code === 'EMLINK' ? { kind: 'link' } : { kind: 'missing' });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return fail({ kind: 'not-regular', what: kindOf(stats) });
    if (stats.size > maxBytes) return fail({ kind: 'too-large', size: stats.size });
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return fail({ kind: 'too-large', size: length });
      if (length === buffer.length) break;
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}
