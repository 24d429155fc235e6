import path from 'node:path';

/**
 * True when plugin.json's `main` is a relative path that stays inside the package: not absolute (nor
 * a Windows drive path), no `..` segment. Emptiness is the schema's to report; symlink escapes need
 * the file system and are checked where the file is read.
 */
export function isSafeMainPath(main: string): boolean {
  return !path.isAbsolute(main) && !/^[A-Za-z]:/.test(main) && !main.split(/[\\/]/).includes('..');
}
