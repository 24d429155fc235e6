import type { FastifyInstance } from 'fastify';
import type { HostConfig } from '../config.js';
import type { CredentialProvider } from '../egress/credentials/credential-provider.js';
import type { ServicePlugins } from '../api/routes/plugin-routes.js';
import type { ServiceMetrics } from '../api/metrics/service-metrics.js';
import type { HostLogger } from '../logging/logger.js';
import type { MemoryEnforcement } from '../sandbox/plugin-sandbox.js';
import type { EventStore } from '../store/event-store.js';

/** What `startService` takes. The caller owns `host` and `store` and closes them after the service. */
export interface ServiceOptions {
  readonly host: { readonly registry: ServicePlugins; readonly config: HostConfig; sandboxEnforcement?(): MemoryEnforcement | null };
  readonly store: EventStore;
  readonly logger: HostLogger;
  /** Default `host.config.listen`; port 0 picks a free port. */
  readonly listen?: string;
  /** Bearer token for /v1 routes; default `host.config.apiToken`. */
  readonly token?: string | null;
  /** Allow a non-loopback listen address without a token. */
  readonly insecure?: boolean;
  /** Pass one in to count plugin changes from `createHost`'s `onPluginChange` too. */
  readonly metrics?: ServiceMetrics;
  readonly retentionMs?: number;
  /** Largest request body accepted (413 beyond). Default 64 KiB: an event is well under 1 KiB. */
  readonly bodyLimitBytes?: number;
  /** How long `close` lets dispatches in flight finish. Default 10 s. */
  readonly shutdownDeadlineMs?: number;
  /** Events dispatched at once. Default 64. */
  readonly dispatchConcurrency?: number;
  /** A request not fully received this long after it began gets 408 and is closed. Default `host.config.api.requestTimeoutMs`. */
  readonly requestTimeoutMs?: number;
  /** Run the job-history poller whatever `platform.poll.enabled` says (`serve --poll`). */
  readonly poll?: boolean;
  /**
   * The host's platform credentials (its egress gateway's), for the poller: one OAuth token per host,
   * renewed once for all when the platform refuses it. Without them the poller builds its own.
   */
  readonly platformCredentials?: CredentialProvider;
  /** More routes to serve (behind the same token), e.g. the cluster's. */
  readonly extraRoutes?: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Why this host is degraded (`/readyz` says so, still ready), or null. */
  readonly degraded?: () => string | null;
}

/** The running HTTP API with its dispatcher loop. */
export interface Service {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly metrics: ServiceMetrics;
  /**
   * Stops accepting, lets dispatches in flight finish up to the deadline, stops the retention timer.
   * Then close the host and the store. Events not finished run after the next start. Idempotent.
   */
  close(): Promise<void>;
}
