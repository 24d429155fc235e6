// The harness runs plugins in the real JobHook host, which itself depends on this SDK. To keep the
// build acyclic, `@jobhook/host` is an optional peer dependency loaded at run time, and only the
// few members used here are described (structurally) below.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { ErrorInfo } from '../contract/error-info.js';
import type { InvocationOutcome, Outcome } from '../contract/outcome.js';
import { HarnessError } from './harness-error.js';

/** A handler's outcome as the host reports it. */
export type { Outcome };

/** The host's outcome record for one handler invocation. */
export type HostHandlerOutcome = InvocationOutcome;

/** What a registry change answers (only the fields the harness reads). */
export type HostPluginChange =
  | { readonly kind: 'added' | 'replaced' | 'unchanged' | 'removed'; readonly id: string }
  | { readonly kind: 'refused'; readonly id: string | null; readonly error: ErrorInfo };

/** A handler's job types in force, as the host's plugin status shows them. */
export interface HostHandlerStatus {
  readonly name: string;
  readonly jobTypes: readonly string[];
  readonly resolved?: ReadonlyArray<{ readonly entry: string; readonly jobTypeId: string; readonly jobType: string }>;
  /** Why the host refused the handler (e.g. JOB_TYPE_UNRESOLVED). */
  readonly error?: ErrorInfo;
}

/** The part of `@jobhook/host`'s `Host` the harness uses. */
export interface HarnessHost {
  readonly registry: { sync(folder: string): Promise<HostPluginChange> };
  dispatch(event: unknown): Promise<{ readonly outcomes: readonly HostHandlerOutcome[] }>;
  plugins(): ReadonlyArray<{ readonly id: string; readonly handlers: readonly HostHandlerStatus[] }>;
  close(): Promise<void>;
}

/** Where the host really sends a request for a URL (the harness's fakes), or an error for an unfaked one. */
export type HarnessRouter = (url: URL) => URL;

/** The part of `@jobhook/host`'s module the harness uses. */
export interface HostModule {
  createHost(options: { config: Record<string, unknown>; logger: unknown; egressRouter?: HarnessRouter }): Promise<HarnessHost>;
  createHostLogger(options: { level: string; destination: Writable }): unknown;
  /** The host's egress error: thrown by the router, it reaches the plugin with its code. */
  HostEgressError: new (code: string, message: string, url?: string) => Error;
}

/** isolated-vm crashes Node 20+ without `--no-node-snapshot`; say what to add instead. */
export function assertNodeSnapshotDisabled(): void {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (flags.includes('--no-node-snapshot')) return;
  throw new HarnessError(
    'HARNESS_NEEDS_NO_NODE_SNAPSHOT',
    'the plugin sandbox (isolated-vm) needs Node started with --no-node-snapshot, and this test process was not. Add it:\n' +
      '  mocha:     .mocharc.json → "node-option": ["no-node-snapshot", "import=tsx"]\n' +
      '  node:test: node --no-node-snapshot --import tsx --test test/*.test.ts\n' +
      '  anything:  NODE_OPTIONS=--no-node-snapshot',
  );
}

function resolveFrom(base: string): string | null {
  try {
    return createRequire(base).resolve('@jobhook/host');
  } catch {
    return null;
  }
}

const cache = new Map<string, Promise<HostModule>>();

/**
 * Loads `@jobhook/host` as the plugin project installed it (so the test runs the host version the
 * author pinned), falling back to the one beside this SDK.
 */
export function loadHost(pluginDir: string): Promise<HostModule> {
  const resolved = resolveFrom(path.join(pluginDir, 'package.json')) ?? resolveFrom(import.meta.url);
  if (resolved === null) {
    return Promise.reject(
      new HarnessError(
        'HARNESS_HOST_MISSING',
        '@jobhook/sdk/testing runs plugins in the real JobHook host, which is not installed: npm install --save-dev @jobhook/host',
      ),
    );
  }
  let loading = cache.get(resolved);
  if (loading === undefined) {
    loading = import(pathToFileURL(resolved).href) as Promise<HostModule>;
    cache.set(resolved, loading);
  }
  return loading;
}
