import type { HostConfig } from '../config.js';
import { ClusterNode } from '../cluster/cluster-node.js';
import { clusterRoutes } from '../api/routes/cluster-routes.js';
import { ConfigError, describeError } from '../errors.js';
import { assertSafeListen, parseListen, type ListenAddress } from '../api/listen-address.js';
import { ServiceMetrics } from '../api/metrics/service-metrics.js';
import { DisposableStore } from '../lifecycle/index.js';
import type { HostLogger } from '../logging/logger.js';
import type { PluginChange } from '../plugins/registry/plugin-change.js';
import { openEventStore } from '../store/open-event-store.js';
import { DEFAULT_RETENTION_MS } from '../store/retention.js';
import { HOST_API_VERSION } from '../version.js';
import { buildApi } from './build-api.js';
import { countedEgress } from './counted-egress.js';
import { buildHost, type Host } from './create-host.js';
import { buildOrRelease, checkpoint } from './start-up.js';

/** What `jobhook serve` runs on: a resolved configuration and the choices of its flags. */
export interface ServeOptions {
  readonly config: HostConfig;
  readonly logger: HostLogger;
  readonly metrics?: ServiceMetrics;
  /** How long finished events are kept. Default 30 days. */
  readonly retentionMs?: number;
  /** Allow a non-loopback listen address without a token. */
  readonly insecure?: boolean;
  /** Run the job-history poller whatever `platform.poll.enabled` says. */
  readonly poll?: boolean;
  /** Aborting it stops start-up (a load under way included), releases what was built, and rejects with HOST_START_ABORTED. */
  readonly signal?: AbortSignal;
  /** Called for each plugin change after the initial load (whose result `host.plugins()` tells). */
  readonly onPluginChange?: (change: PluginChange) => void;
}

/** A running `serve`: the host, its event store, the cluster membership and the HTTP API, owned as one. */
export interface RunningService {
  /** The service's host; its `close` releases the whole service, since one owner holds it all. */
  readonly host: Host;
  readonly url: string;
  /** Releases everything in the reverse order it was built: leaves the cluster, drains the API, closes the host, then the store. Idempotent. */
  dispose(): Promise<void>;
}

// What serve can check before opening anything: the listen address, the token rule, --poll's platform URL.
function checkServeConfig(config: HostConfig, insecure: boolean, poll: boolean): ListenAddress {
  const address = parseListen(config.listen);
  assertSafeListen(address, config.apiToken, insecure);
  if (poll && !config.platform.url) throw new ConfigError('CONFIG_INVALID', '--poll reads the job history of the platform API: set platform.url (--platform-url or JOBHOOK_PLATFORM_URL)');
  return address;
}

/**
 * The composition root of `serve`. Builds, in order, each registered in one owner as it is made:
 * the event store, the host (egress, sandboxes, registry with every plugin loaded, watcher), the
 * cluster membership, the API with its delivery loop, and last the cluster "leave", so that a
 * shutdown leaves the cluster first, then drains the API, closes the host and the store. A step
 * that fails, or a stop request, releases what was built before the promise rejects.
 * `owner` is where everything goes (a caller may pass its own to watch the releases).
 */
export async function createService(options: ServeOptions, owner = new DisposableStore('the service')): Promise<RunningService> {
  const { config, logger, signal } = options;
  const metrics = options.metrics ?? new ServiceMetrics();
  const insecure = options.insecure === true;
  const address = checkServeConfig(config, insecure, options.poll === true);
  return buildOrRelease(owner, logger, signal, async () => {
    const stores = await openEventStore(config, (message) => logger.warn({ store: 'postgres' }, message));
    owner.defer(() => stores.close());
    checkpoint(signal);
    logger.info({ pluginsDir: config.pluginsDir }, 'loading plugins');
    // One gateway for the plugins and the poller: they share its platform credentials.
    const egress = countedEgress(config, metrics);
    let loaded = false;
    const onPluginChange = (change: PluginChange): void => {
      metrics.pluginChanged(change);
      if (loaded) options.onPluginChange?.(change);
    };
    const { host, dispatcher } = await buildHost(owner, config, logger, { egress, watch: true, signal, onPluginChange });
    loaded = true;
    checkpoint(signal);
    // Leases and heartbeats renew every third of the lease: a host is seen live as long as its claims are.
    const node = new ClusterNode({
      cluster: stores.cluster,
      store: stores.kind,
      hostId: stores.hostId,
      version: HOST_API_VERSION,
      plugins: () => host.plugins(),
      pluginsDir: config.pluginsDir,
      dataDir: config.dataDir,
      heartbeatMs: Math.max(100, Math.min(5000, Math.floor(stores.liveMs / 3))),
      logger,
      ...(stores.kind === 'postgres' ? { switches: { disabledInStore: () => stores.events.disabledPlugins(), plugins: host.registry } } : {}),
    });
    const leave = (): Promise<void> => node.close().catch((e: unknown) => logger.error({ error: describeError(e) }, 'leaving the cluster failed'));
    owner.defer(leave);
    // What is deployed is installed before the API opens, so a new host joins with the cluster's plugins.
    await node.start();
    checkpoint(signal);
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    const api = await buildApi(owner, {
      host,
      dispatcher,
      store: stores.events,
      logger,
      metrics,
      address,
      token: config.apiToken,
      retentionMs,
      extraRoutes: [clusterRoutes(node, stores.cluster)],
      degraded: () => node.degradedReason(),
      poll: options.poll,
      platformCredentials: egress.platformCredentials,
    });
    node.listening(api.url);
    // Once the API is up, leaving the cluster is the first step of a shutdown: other hosts stop
    // counting on this one while it drains (the earlier registration then finds it already gone).
    owner.defer(leave);
    logger.info({ store: stores.where, kind: stores.kind, hostId: stores.hostId, retentionDays: Math.round((retentionMs / 86_400_000) * 100) / 100 }, `events are stored in ${stores.where}`);
    return { host, url: api.url, dispose: () => owner.dispose() };
  });
}
