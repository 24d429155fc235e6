import path from 'node:path';
import { resolveConfig, type HostConfig, type HostConfigInput } from './config.js';
import { Dispatcher, type DispatchResult } from './dispatch/dispatcher.js';
import type { EgressRouter } from './egress/egress-client.js';
import type { EgressGateway } from './egress/egress-gateway.js';
import { UnconfiguredEgressGateway } from './egress/egress-gateway.js';
import { platformCredentials } from './egress/platform-credentials.js';
import { PlatformEgressGateway } from './egress/platform-egress-gateway.js';
import { maxEgressRequestJsonLength } from './egress/parse-egress-request.js';
import { JobHookError } from './errors.js';
import { createHostLogger, type HostLogger } from './logging/logger.js';
import { ManifestSchema } from './manifest/manifest-schema.js';
import type { PackageRules } from './manifest/package-rules.js';
import { NO_PLATFORM_RESOLVER, PlatformJobTypeResolver, type JobTypeResolver } from './platform/job-type-resolver.js';
import { PlatformApi } from './platform/platform-api.js';
import { PluginRegistry, type PluginChange } from './registry/plugin-registry.js';
import type { PluginStatus } from './registry/plugin-state.js';
import { createSandboxFactory } from './sandbox/create-sandbox-factory.js';
import type { MemoryEnforcement, SandboxFactory } from './sandbox/plugin-sandbox.js';
import { TrustStore } from './trust/trust-store.js';
import { PluginWatcher } from './watch/plugin-watcher.js';
import type { WatchTimings } from './watch/watch-timings.js';

/** Everything `createHost` takes: configuration, plus seams tests and embedders may replace. */
export interface HostOptions {
  readonly config?: HostConfigInput | HostConfig;
  readonly logger?: HostLogger;
  readonly sandboxFactory?: SandboxFactory;
  readonly egress?: EgressGateway;
  /** Called for each plugin added, replaced, removed or refused. */
  readonly onPluginChange?: (change: PluginChange) => void;
  /**
   * Watch the plugins folder after the initial load and add, replace and remove plugins live
   * (`true`, or timings to override). Off by default; `jobhook serve` turns it on.
   */
  readonly watch?: boolean | Partial<WatchTimings>;
  /**
   * Where the host's requests for a URL are really sent (plugin egress, OAuth token, job-type
   * lookups). The test harness maps faked origins to loopback servers and refuses the rest.
   */
  readonly egressRouter?: EgressRouter;
  /**
   * Aborting it during start-up stops loading (plugins not yet loaded are not started) and closes
   * what was opened; `createHost` then rejects with HOST_START_ABORTED. No effect once started.
   */
  readonly signal?: AbortSignal;
}

/** A running JobHook host (design §1). */
export interface Host {
  readonly config: HostConfig;
  readonly registry: PluginRegistry;
  /** Validates an event and runs every matching handler; throws EventValidationError on bad input. */
  dispatch(event: unknown): Promise<DispatchResult>;
  /** Status of every plugin. */
  plugins(): PluginStatus[];
  /** Which memory limits the sandboxes run under (null for a sandbox factory that does not say). */
  sandboxEnforcement(): MemoryEnforcement | null;
  /** Drains and disposes every plugin and resource; idempotent. */
  close(): Promise<void>;
}

/** isolated-vm crashes Node 20+ without this flag; fail with a clear error instead. */
export function assertNoNodeSnapshot(): void {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!flags.includes('--no-node-snapshot')) {
    throw new JobHookError('HOST_NEEDS_NO_NODE_SNAPSHOT', 'isolated-vm needs Node started with --no-node-snapshot (node --no-node-snapshot …, or NODE_OPTIONS=--no-node-snapshot)');
  }
}

function logSandboxEnforcement(logger: HostLogger, enforcement: MemoryEnforcement): void {
  const kernel = enforcement.kernel === 'none' ? `no kernel memory limit (${enforcement.kernelReason})` : `kernel ${enforcement.kernel} ${enforcement.kernelLimitMb} MiB per sandbox process`;
  const line = { sandboxMemory: enforcement, code: enforcement.kernel === 'none' ? 'SANDBOX_NO_KERNEL_MEMORY_LIMIT' : undefined };
  if (enforcement.kernel === 'none') logger.warn(line, `sandbox memory: ${kernel}; in every isolate: ${enforcement.inIsolate.join(', ')}`);
  else logger.info(line, `sandbox memory: ${kernel}; in every isolate: ${enforcement.inIsolate.join(', ')}`);
}

/**
 * The host's ways to the platform: the plugins' egress gateway and the job-type resolver, sharing
 * one set of platform credentials (so one OAuth token serves both).
 */
function platformAccess(config: HostConfig, options: HostOptions): { egress: EgressGateway; jobTypes: JobTypeResolver } {
  const url = config.platform.url;
  const router = options.egressRouter;
  if (url === null) return { egress: options.egress ?? new UnconfiguredEgressGateway(), jobTypes: NO_PLATFORM_RESOLVER };
  // A gateway handed in (serve's, counted in metrics) shares its credentials: one OAuth token per host.
  const credentials = options.egress?.platformCredentials ?? platformCredentials(config.platform.auth, {
    timeoutMs: config.egress.defaultTimeoutMs,
    ...(router ? { fetch: (u: URL, init: RequestInit) => fetch(router(u), init) } : {}),
  });
  const egress =
    options.egress ??
    new PlatformEgressGateway({ platform: { url, auth: config.platform.auth }, credentials, limits: config.egress, plugins: config.plugins, ...(router ? { router } : {}) });
  const api = new PlatformApi(url, credentials, { timeoutMs: config.egress.defaultTimeoutMs, ...(router ? { router } : {}) });
  return { egress, jobTypes: new PlatformJobTypeResolver(api) };
}

/** Creates a host and loads every plugin in its plugins folder. */
export async function createHost(options: HostOptions = {}): Promise<Host> {
  const config = resolveConfig(options.config ?? {});
  const logger = options.logger ?? createHostLogger({ level: config.logLevel });
  // Isolates run in sandbox worker processes (forked with the flag) unless the admin chose in-process.
  if (!options.sandboxFactory && config.sandbox.mode === 'in-process') assertNoNodeSnapshot();
  // Schema, trust keys, then gateway (it validates the platform URL): if any throws, nothing needs disposing.
  const schema = new ManifestSchema();
  const packageRules: PackageRules = { ...config.packages, trust: new TrustStore(config.trust) };
  const { egress, jobTypes } = platformAccess(config, options);
  // A request body as large as egress allows must fit across the bridge.
  const sandboxConfig = { ...config.sandbox, maxBridgeBytes: Math.max(config.sandbox.maxBridgeBytes, maxEgressRequestJsonLength(config.egress.maxRequestBytes)) };
  let sandboxFactory: SandboxFactory;
  try {
    sandboxFactory = options.sandboxFactory ?? (await createSandboxFactory(sandboxConfig, logger));
  } catch (e) {
    await egress.dispose();
    throw e;
  }
  if (sandboxFactory.memoryEnforcement) logSandboxEnforcement(logger, sandboxFactory.memoryEnforcement);
  const registry = new PluginRegistry({ schema, packageRules, sandboxFactory, egress, logger, config, jobTypes }, undefined, options.onPluginChange);
  const dispatcher = new Dispatcher(registry, logger);
  let watcher: PluginWatcher | undefined;
  let closed = false;
  // One close for every caller: whoever asks second waits for the same teardown to finish (or fail).
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed = true;
    closing ??= (async () => {
      // Each step runs even if one before it failed: a registry that fails to close must not leave
      // the sandbox processes running.
      const failures: unknown[] = [];
      for (const step of [() => watcher?.close(), () => registry.close(), () => egress.dispose(), () => sandboxFactory.dispose()]) {
        try {
          await step();
        } catch (e) {
          failures.push(e);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `closing the host failed in ${failures.length} steps`);
    })();
    return closing;
  };
  const aborted = (): JobHookError => new JobHookError('HOST_START_ABORTED', 'start-up was stopped before every plugin was loaded');
  // Ending the sandbox processes first fails the loads under way at once (a slow bundle would
  // otherwise hold the close until it finished loading). The start-up path below awaits the same
  // close and reports its failure, so nothing here may reject unhandled.
  const onAbort = (): void => void sandboxFactory.dispose().catch(() => {}).then(close).catch(() => {});
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) throw aborted();
    const loading = registry.loadAll(path.resolve(config.pluginsDir));
    if (options.watch) {
      const timings = typeof options.watch === 'object' ? options.watch : undefined;
      watcher = new PluginWatcher({ pluginsDir: path.resolve(config.pluginsDir), sink: registry, schema, packageRules, logger, timings });
      // The watcher's initial scan runs while the plugins load; it looks at every folder once both are done.
      await watcher.start(loading);
    }
    await loading;
    if (options.signal?.aborted) throw aborted();
  } catch (e) {
    // The start-up failure is what the caller must see; a teardown that fails too is logged.
    await close().catch((closeError: unknown) => logger.error({ err: closeError, code: 'HOST_CLOSE_FAILED' }, 'closing what start-up had opened failed'));
    throw options.signal?.aborted ? aborted() : e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return {
    config,
    registry,
    dispatch: (event) => {
      if (closed) return Promise.reject(new JobHookError('HOST_CLOSED', 'the host is closed'));
      return dispatcher.dispatch(event);
    },
    plugins: () => registry.list(),
    sandboxEnforcement: () => sandboxFactory.memoryEnforcement ?? null,
    close,
  };
}
