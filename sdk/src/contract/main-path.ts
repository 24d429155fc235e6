import path from 'node:path';

/**
 * True when plugin.json's `main` is a plain relative path inside the package: not empty, not
 * absolute (nor a Windows drive path), no `..` segment. Symlink escapes need the file system and are
 * checked where the file is read.
 */
export function isSafeMainPath(main: string): boolean {
  return main.length > 0 && !path.isAbsolute(main) && !/^[A-Za-z]:/.test(main) && !main.split(/[\\/]/).includes('..');
}
