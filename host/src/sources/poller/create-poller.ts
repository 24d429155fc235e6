import type { HostConfig } from '../../config.js';
import type { CredentialProvider } from '../../egress/credentials/credential-provider.js';
import type { EgressRouter } from '../../egress/egress-client.js';
import { platformCredentials } from '../../egress/platform-credentials.js';
import type { HostLogger } from '../../logging/logger.js';
import { PlatformApi } from '../../platform/platform-api.js';
import type { EventStore } from '../../store/event-store.js';
import { JobHistoryClient } from './job-history-client.js';
import { JobHistoryPoller, type PollerObserver } from './job-history-poller.js';

/** What a service needs to run the poller its configuration asks for. */
export interface CreatePollerOptions {
  readonly config: HostConfig;
  readonly store: EventStore;
  readonly logger: HostLogger;
  readonly onStored: () => void;
  readonly observer?: (lagMs: () => number | null) => PollerObserver;
  /**
   * The host's platform credentials, so the poller and plugin egress share one OAuth token. Default:
   * credentials of its own from `platform.auth` (a poller run on its own).
   */
  readonly credentials?: CredentialProvider;
  /** Where requests for a platform URL are really sent (the test harness's loopback routing). */
  readonly router?: EgressRouter;
}

/** The job-history poller `platform.poll` asks for (not started), or null when polling is off. */
export function createPoller(options: CreatePollerOptions): JobHistoryPoller | null {
  const { config, router } = options;
  const poll = config.platform.poll;
  if (!poll.enabled || !config.platform.url) return null;
  const url = config.platform.url;
  const credentials =
    options.credentials ??
    platformCredentials(config.platform.auth, { timeoutMs: poll.requestTimeoutMs, ...(router ? { fetch: (u: URL, init: RequestInit) => fetch(router(u), init) } : {}) });
  const api = new PlatformApi(url, credentials, { timeoutMs: poll.requestTimeoutMs, ...(router ? { router } : {}) });
  const client = new JobHistoryClient(api);
  let poller: JobHistoryPoller | null = null;
  const observer = options.observer?.(() => poller?.status().lagMs ?? null);
  poller = new JobHistoryPoller({
    config: poll,
    client,
    store: options.store,
    logger: options.logger.child({ component: 'poller' }),
    source: `job-history ${url}`,
    platform: url,
    onStored: options.onStored,
    observer,
  });
  return poller;
}
