// Writes tiny real plugin packages (plugin.json + a hand-written CommonJS bundle) into temp folders.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GUID_A } from './sample-event.js';

export { GUID_A, event } from './sample-event.js';
export { tempDir, type TempDir } from './temp-dir.js';

export const GUID_B = '3f2d8a41-7c55-4b0e-a1d2-95c4e6b7f802';
export const GUID_C = '9e41c0d7-2b6a-4d13-8f5e-0c7a3b9d1e64';

/** A manifest with sensible defaults for one handler `H` on `jobTypes`. */
export function manifest(id: string, overrides: Record<string, unknown> = {}, jobTypes: string[] = [GUID_A]): Record<string, unknown> {
  return {
    id,
    name: `Test plugin ${id}`,
    version: '1.0.0',
    engine: '^0.1.0',
    main: 'bundle.js',
    handlers: [{ name: 'H', jobTypes }],
    limits: { timeoutMs: 2000, memoryMb: 32 },
    ...overrides,
  };
}

/**
 * A bundle declaring handler `name` whose `runHandler(ctx)` body is `body` (JS source). The class is
 * decorated the way compiled plugin code does it, through the SDK the runtime provides.
 */
export function handlerBundle(body: string, jobTypes: string = GUID_A, name = 'H', preamble = ''): string {
  return `'use strict';
const sdk = require('@jobhook/sdk');
${preamble}
class Handler {
  constructor() { this.jobTypes = ${JSON.stringify(jobTypes)}; }
  runHandler(ctx) { ${body} }
}
sdk.jobCompleteHandler(${JSON.stringify(name)})(Handler);
`;
}

/** Writes a package folder `root/folder` with `plugin.json` and `bundle.js`; returns its path. */
export async function writePlugin(root: string, folder: string, manifestJson: unknown, bundle: string, bundleName = 'bundle.js'): Promise<string> {
  const dir = path.join(root, folder);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'plugin.json'), typeof manifestJson === 'string' ? manifestJson : JSON.stringify(manifestJson, null, 2));
  await writeFile(path.join(dir, bundleName), bundle);
  return dir;
}
