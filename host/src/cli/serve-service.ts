import type { HostConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createEgressGateway } from '../egress/create-egress-gateway.js';
import type { EgressGateway } from '../egress/egress-gateway.js';
import type { Host } from '../host.js';
import { countEgress } from '../ingest/egress-metrics.js';
import { assertSafeListen, parseListen } from '../ingest/listen-address.js';
import { startService } from '../ingest/service.js';
import type { ServiceMetrics } from '../ingest/service-metrics.js';
import type { HostLogger } from '../logging/logger.js';
import { ClusterNode } from '../cluster/cluster-node.js';
import { clusterRoutes } from '../cluster/cluster-routes.js';
import { describeError } from '../errors.js';
import { openEventStore } from '../store/open-event-store.js';
import { HOST_API_VERSION } from '../version.js';

/** `serve`'s flags beyond the host's own. */
export const SERVICE_FLAGS = {
  retention: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

/** Checks what `serve` can check before loading any plugin: the listen address and the token rule. */
export function preflightServe(config: HostConfig, insecure: boolean, poll = false): void {
  assertSafeListen(parseListen(config.listen), config.apiToken, insecure);
  if (poll && !config.platform.url) throw new ConfigError('CONFIG_INVALID', '--poll reads the job history of the platform API: set platform.url (--platform-url or JOBHOOK_PLATFORM_URL)');
}

/**
 * The egress gateway `createHost` would make from `config` (platform URL or none), counted in the
 * service's metrics. Passed to `createHost({ egress })`, which then owns and disposes it.
 */
export function countedEgress(config: HostConfig, metrics: ServiceMetrics): EgressGateway {
  return countEgress(createEgressGateway(config), metrics);
}

/** What `serve` runs besides the host: the event store and the HTTP API over it. */
export interface ServeRuntime {
  readonly url: string;
  /** Stops the API (in-flight dispatches finish up to the deadline), then the host, then the store. */
  shutdown(): Promise<void>;
}

/**
 * Opens the event store `host.config.store` names (SQLite in `dataDir` by default), joins the
 * cluster of hosts sharing it, and starts the HTTP API on `host.config.listen`.
 * On failure nothing is left open except `host`, which the caller still owns.
 */
export async function startServeRuntime(
  host: Host,
  options: {
    readonly logger: HostLogger;
    readonly metrics: ServiceMetrics;
    readonly retentionMs: number;
    readonly insecure: boolean;
    readonly poll?: boolean;
    /** The host's egress gateway: its platform credentials serve the poller too. */
    readonly egress?: EgressGateway;
  },
): Promise<ServeRuntime> {
  const log = options.logger;
  const stores = await openEventStore(host.config, (message) => log.warn({ store: 'postgres' }, message));
  const { config } = host;
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
    logger: log,
    ...(stores.kind === 'postgres' ? { switches: { disabledInStore: () => stores.events.disabledPlugins(), plugins: host.registry } } : {}),
  });
  let service;
  try {
    // What is deployed is installed before the API opens, so a new host joins with the cluster's plugins.
    await node.start();
    service = await startService({
      host,
      store: stores.events,
      logger: log,
      metrics: options.metrics,
      retentionMs: options.retentionMs,
      insecure: options.insecure,
      extraRoutes: [clusterRoutes(node, stores.cluster)],
      degraded: () => node.degradedReason(),
      poll: options.poll,
      platformCredentials: options.egress?.platformCredentials,
    });
  } catch (e) {
    await node.close();
    await stores.close();
    throw e;
  }
  node.listening(service.url);
  log.info({ store: stores.where, kind: stores.kind, hostId: stores.hostId, retentionDays: Math.round((options.retentionMs / 86_400_000) * 100) / 100 }, `events are stored in ${stores.where}`);
  return {
    url: service.url,
    shutdown: async () => {
      await node.close().catch((e) => log.error({ error: describeError(e) }, 'leaving the cluster failed'));
      await service.close();
      await host.close();
      await stores.close();
    },
  };
}
