// Temp folders for tests: each made under the OS temp dir and removed by its owner, so a run leaves
// nothing behind even when a test fails half-way.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A temp folder removed by `dispose()` (idempotent). */
export interface TempDir {
  readonly path: string;
  dispose(): Promise<void>;
}

/** Makes a fresh temp folder named `<prefix>XXXXXX`. */
export async function tempDir(prefix = 'jobhook-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A temp folder the calling `describe` owns: `path` is valid inside its tests. */
export interface ScopedTempDir {
  readonly path: string;
}

/**
 * Registers hooks in the calling `describe` that make a temp folder before (each test with
 * `'each'`, the block with `'all'`) and remove it after, failing or not.
 */
export function useTempDir(prefix = 'jobhook-test-', scope: 'each' | 'all' = 'all'): ScopedTempDir {
  let current: TempDir | undefined;
  const make = async (): Promise<void> => {
    current = await tempDir(prefix);
  };
  const remove = async (): Promise<void> => {
    await current?.dispose();
    current = undefined;
  };
  if (scope === 'each') {
    beforeEach(make);
    afterEach(remove);
  } else {
    before(make);
    after(remove);
  }
  return {
    get path(): string {
      if (current === undefined) throw new Error(`the temp folder '${prefix}…' is used outside the tests of the describe that owns it`);
      return current.path;
    },
  };
}
