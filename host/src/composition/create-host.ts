import path from 'node:path';
import { resolveConfig, type HostConfig, type HostConfigInput } from '../config.js';
import { Dispatcher, type DispatchResult } from '../delivery/dispatcher.js';
import type { EgressRouter } from '../egress/egress-client.js';
import type { EgressGateway } from '../egress/egress-gateway.js';
import { maxEgressRequestJsonLength } from '../egress/parse-egress-request.js';
import { JobHookError } from '../errors.js';
import { DisposableStore } from '../lifecycle/index.js';
import { createHostLogger, type HostLogger } from '../logging/logger.js';
import { ManifestSchema } from '../plugins/package/manifest-schema.js';
import type { PackageRules } from '../plugins/package/package-rules.js';
import { PluginRegistry, type PluginChange } from '../plugins/registry/plugin-registry.js';
import type { PluginStatus } from '../plugins/registry/plugin-state.js';
import { createSandboxFactory } from '../sandbox/create-sandbox-factory.js';
import type { MemoryEnforcement, SandboxFactory } from '../sandbox/plugin-sandbox.js';
import { TrustStore } from '../plugins/trust/trust-store.js';
import { PluginWatcher } from '../plugins/watch/plugin-watcher.js';
import type { WatchTimings } from '../plugins/watch/watch-timings.js';
import { assertNoNodeSnapshot } from './node-snapshot.js';
import { platformAccess } from './platform-access.js';
import { buildOrRelease, once, releaseOnAbort } from './start-up.js';

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

/** A running JobHook host: its plugins loaded, sandboxed and routed. */
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

/** A host built into an owner, with the dispatcher a delivery loop shares with `host.dispatch`. */
export interface BuiltHost {
  readonly host: Host;
  readonly dispatcher: Dispatcher;
}

function logSandboxEnforcement(logger: HostLogger, enforcement: MemoryEnforcement): void {
  const kernel = enforcement.kernel === 'none' ? `no kernel memory limit (${enforcement.kernelReason})` : `kernel ${enforcement.kernel} ${enforcement.kernelLimitMb} MiB per sandbox process`;
  const line = { sandboxMemory: enforcement, code: enforcement.kernel === 'none' ? 'SANDBOX_NO_KERNEL_MEMORY_LIMIT' : undefined };
  if (enforcement.kernel === 'none') logger.warn(line, `sandbox memory: ${kernel}; in every isolate: ${enforcement.inIsolate.join(', ')}`);
  else logger.info(line, `sandbox memory: ${kernel}; in every isolate: ${enforcement.inIsolate.join(', ')}`);
}

/**
 * Builds the host into `owner`: egress, sandboxes, registry (loading every plugin), then the
 * watcher, each registered as it is made, so that releasing `owner` undoes them newest first. The
 * host's `close` releases `owner`, everything else it holds included. On failure the caller
 * releases `owner` (see `buildOrRelease`).
 */
export async function buildHost(owner: DisposableStore, config: HostConfig, logger: HostLogger, options: Omit<HostOptions, 'config' | 'logger'>): Promise<BuiltHost> {
  // Isolates run in sandbox worker processes (forked with the flag) unless the admin chose in-process.
  if (!options.sandboxFactory && config.sandbox.mode === 'in-process') assertNoNodeSnapshot();
  // Schema, trust keys, then gateway (it validates the platform URL): cheap checks before any process starts.
  const schema = new ManifestSchema();
  const packageRules: PackageRules = { ...config.packages, trust: new TrustStore(config.trust) };
  const { egress, jobTypes } = platformAccess(config, options.egress, options.egressRouter);
  owner.add(egress);
  // A request body as large as egress allows must fit across the bridge.
  const sandboxConfig = { ...config.sandbox, maxBridgeBytes: Math.max(config.sandbox.maxBridgeBytes, maxEgressRequestJsonLength(config.egress.maxRequestBytes)) };
  // The spare isolate made ahead of each load has the memory limit of a plugin whose manifest sets none.
  const defaultMemoryMb = Math.min(config.limits.defaults.memoryMb, config.limits.max.memoryMb);
  const sandboxFactory = options.sandboxFactory ?? (await createSandboxFactory(sandboxConfig, logger, defaultMemoryMb));
  // Also called early by an abort; the owner then awaits the same disposal (and sees its failure).
  const releaseSandboxes = once(() => sandboxFactory.dispose());
  owner.defer(releaseSandboxes);
  if (sandboxFactory.memoryEnforcement) logSandboxEnforcement(logger, sandboxFactory.memoryEnforcement);
  const registry = new PluginRegistry({ schema, packageRules, sandboxFactory, egress, logger, config, jobTypes }, undefined, options.onPluginChange);
  owner.defer(() => registry.close());
  const dispatcher = new Dispatcher(registry, logger);
  await releaseOnAbort(owner, options.signal, releaseSandboxes, async () => {
    const pluginsDir = path.resolve(config.pluginsDir);
    const loading = registry.loadAll(pluginsDir);
    if (options.watch) {
      const timings = typeof options.watch === 'object' ? options.watch : undefined;
      const watcher = new PluginWatcher({ pluginsDir, sink: registry, schema, packageRules, logger, timings });
      owner.defer(() => watcher.close());
      // The watcher's initial scan runs while the plugins load; it looks at every folder once both are done.
      await watcher.start(loading);
    }
    await loading;
  });
  const host: Host = {
    config,
    registry,
    dispatch: (event) => {
      if (owner.isDisposed) return Promise.reject(new JobHookError('HOST_CLOSED', 'the host is closed'));
      return dispatcher.dispatch(event);
    },
    plugins: () => registry.list(),
    sandboxEnforcement: () => sandboxFactory.memoryEnforcement ?? null,
    close: () => owner.dispose(),
  };
  return { host, dispatcher };
}

/** Creates a host and loads every plugin in its plugins folder. */
export async function createHost(options: HostOptions = {}): Promise<Host> {
  const config = resolveConfig(options.config ?? {});
  const logger = options.logger ?? createHostLogger({ level: config.logLevel });
  const owner = new DisposableStore('the host');
  const { host } = await buildOrRelease(owner, logger, options.signal, () => buildHost(owner, config, logger, options));
  return host;
}
