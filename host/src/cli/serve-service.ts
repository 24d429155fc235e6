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
import { SqliteEventStore } from '../store/sqlite-event-store.js';

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
 * Opens the event store in `host.config.dataDir` and starts the HTTP API on `host.config.listen`.
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
  const store = SqliteEventStore.open(host.config.dataDir);
  let service;
  try {
    service = await startService({ host, store, logger: options.logger, metrics: options.metrics, retentionMs: options.retentionMs, insecure: options.insecure, poll: options.poll, platformCredentials: options.egress?.platformCredentials });
  } catch (e) {
    await store.close();
    throw e;
  }
  options.logger.info({ store: store.file, retentionDays: Math.round((options.retentionMs / 86_400_000) * 100) / 100 }, `events are stored in ${store.file}`);
  return {
    url: service.url,
    shutdown: async () => {
      await service.close();
      await host.close();
      await store.close();
    },
  };
}
