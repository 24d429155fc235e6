// Writes tiny real plugin packages (plugin.json + a hand-written CommonJS bundle) into temp folders.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const GUID_A = 'a809ce1f-1eea-4738-a38e-15708c89c981';
export const GUID_B = '3f2d8a41-7c55-4b0e-a1d2-95c4e6b7f802';
export const GUID_C = '9e41c0d7-2b6a-4d13-8f5e-0c7a3b9d1e64';

/** A temp folder removed by `dispose()`. */
export interface TempDir {
  readonly path: string;
  dispose(): Promise<void>;
}

export async function tempDir(prefix = 'jobhook-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

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

/** A valid event for job type `jobTypeId`, camelCase, with optional overrides. */
export function event(jobTypeId: string = GUID_A, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
    username: 'KEYFACTOR\\svc',
    clientMachine: 'orch-01.example.com',
    jobResult: 2,
    jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8',
    jobType: 'PEMInventory',
    jobTypeId,
    operationType: 0,
    certificateId: null,
    requestTimestamp: '2026-11-30T02:00:00.000Z',
    currentRetryCount: 0,
    ...overrides,
  };
}
