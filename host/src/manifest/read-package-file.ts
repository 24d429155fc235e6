import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';

/** Why a file of a package could not be read; each maps to a manifest problem or error code. */
export type PackageFileFailure =
  | { readonly kind: 'missing' }
  | { readonly kind: 'link' }
  | { readonly kind: 'not-regular'; readonly what: string }
  | { readonly kind: 'too-large'; readonly size: number };

/** The bytes of a package file, or why they were not read. */
export type PackageFileRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly failure: PackageFileFailure };

// O_NOFOLLOW: a link swapped in after the lstat is refused by the kernel instead of followed.
// O_NONBLOCK: opening a FIFO does not wait for a writer (it would hold a libuv thread forever);
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
 * Every step is a round trip through libuv's thread pool, which on a loaded host waits for a free
 * core; a plugin load reads two or three of these files in a row, so the steps no answer depends on
 * are left out of the wait: the descriptor is closed without waiting for the close, and a read that
 * brought every byte the descriptor's size announced ends the loop without a second read to hear 0.
 */
export async function readPackageFile(file: string, maxBytes: number): Promise<PackageFileRead> {
  const fail = (failure: PackageFileFailure): PackageFileRead => ({ ok: false, failure });
  try {
    const entry = await lstat(file);
    if (entry.isSymbolicLink()) return fail({ kind: 'link' });
    if (!entry.isFile()) return fail({ kind: 'not-regular', what: kindOf(entry) });
    if (entry.size > maxBytes) return fail({ kind: 'too-large', size: entry.size });
  } catch {
    return fail({ kind: 'missing' });
  }
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ELOOP' || code === 'EMLINK' ? { kind: 'link' } : { kind: 'missing' });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return fail({ kind: 'not-regular', what: kindOf(stats) });
    if (stats.size > maxBytes) return fail({ kind: 'too-large', size: stats.size });
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const wanted = buffer.length - length;
      const { bytesRead } = await handle.read(buffer, length, wanted, null);
      length += bytesRead;
      if (length > maxBytes) return fail({ kind: 'too-large', size: length });
      // A short read that completes the announced size is the end of a regular file; one that does
      // not (a network or FUSE file system may answer in pieces) is followed by another.
      if (bytesRead === 0 || length === buffer.length || (bytesRead < wanted && length >= stats.size)) break;
    }
    return { ok: true, bytes: buffer.subarray(0, length) };
  } finally {
    // Nothing read depends on the close: it completes on its own, and a failure to close a
    // read-only descriptor loses nothing.
    handle.close().catch(() => {});
  }
}
