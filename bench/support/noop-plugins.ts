// Real plugin packages with a no-op handler, written to a temp folder, and the same handler code for
// the floors (direct call, raw isolate), so host and floor run identical JavaScript.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The handler class every bench plugin declares: an async no-op that returns true. */
export const NOOP_HANDLER_CLASS = `class NoopHandler {
  constructor() { this.jobTypes = JOB_TYPES; }
  async runHandler(context) { return true; }
}`;

/** Job-type GUID of bench plugin number `i` (distinct per plugin, so events can target one). */
export function jobTypeOf(i: number): string {
  return `b0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

function bundle(jobType: string): string {
  return `'use strict';
const sdk = require('@jobhook/sdk');
const JOB_TYPES = ${JSON.stringify(jobType)};
${NOOP_HANDLER_CLASS}
sdk.jobCompleteHandler('noop')(NoopHandler);
`;
}

/** What a bench plugin's manifest may set beyond the defaults. */
export interface NoopPluginOptions {
  /** plugin.json `limits` (e.g. `{ concurrency: 64 }`); the host defaults when absent. */
  readonly limits?: Readonly<Record<string, number>>;
}

function manifest(i: number, jobType: string, options: NoopPluginOptions): Record<string, unknown> {
  return {
    id: `bench.noop-${i}`,
    name: `Bench no-op ${i}`,
    version: '1.0.0',
    engine: '^0.1.0',
    main: 'dist/plugin.js',
    handlers: [{ name: 'noop', jobTypes: [jobType] }],
    ...(options.limits ? { limits: options.limits } : {}),
  };
}

/** A temp plugins folder; `dispose` removes it. */
export interface PluginsFolder {
  readonly root: string;
  /** Writes no-op plugin `i` (folder `noop-<i>`) and returns its folder. */
  add(i: number, jobType?: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Creates a temp plugins folder holding no-op plugins 0..count-1, each on its own job type. */
export async function noopPlugins(count: number, options: NoopPluginOptions = {}): Promise<PluginsFolder> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-'));
  const add = async (i: number, jobType = jobTypeOf(i)): Promise<string> => {
    const dir = path.join(root, `noop-${String(i).padStart(4, '0')}`);
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(manifest(i, jobType, options), null, 2));
    await writeFile(path.join(dir, 'dist', 'plugin.js'), bundle(jobType));
    return dir;
  };
  for (let i = 0; i < count; i++) await add(i);
  return { root, add, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** A valid job-complete event for job type `jobTypeId`. */
export function benchEvent(jobTypeId: string): Record<string, unknown> {
  return {
    agentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
    username: 'KEYFACTOR\\svc',
    clientMachine: 'orch-01.example.com',
    jobResult: 2,
    jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8',
    jobType: 'PEMInventory',
    jobTypeId,
    operationType: 1,
    certificateId: null,
    requestTimestamp: '2026-11-30T02:00:00.000Z',
    currentRetryCount: 0,
  };
}
