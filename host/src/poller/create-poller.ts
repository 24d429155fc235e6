import type { HostConfig } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import type { EventStore } from '../store/event-store.js';
import { JobHistoryClient, platformAuthHeaders, type PlatformAuthHeaders } from './job-history-client.js';
import { JobHistoryPoller, type PollerObserver } from './job-history-poller.js';

/** What a service needs to run the poller its configuration asks for. */
export interface CreatePollerOptions {
  readonly config: HostConfig;
  readonly store: EventStore;
  readonly logger: HostLogger;
  readonly onStored: () => void;
  readonly observer?: (lagMs: () => number | null) => PollerObserver;
  /** Default: `platform.auth`'s headers. */
  readonly authHeaders?: PlatformAuthHeaders;
}

/** The job-history poller `platform.poll` asks for (not started), or null when polling is off. */
export function createPoller(options: CreatePollerOptions): JobHistoryPoller | null {
  const { config } = options;
  const poll = config.platform.poll;
  if (!poll.enabled || !config.platform.url) return null;
  const url = config.platform.url;
  const client = new JobHistoryClient({ url, authHeaders: options.authHeaders ?? platformAuthHeaders(config.platform.auth), timeoutMs: poll.requestTimeoutMs });
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
