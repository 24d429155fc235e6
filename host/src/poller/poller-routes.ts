import type { FastifyInstance } from 'fastify';
import type { PollerStatus } from './poller-status.js';

/** What `GET /v1/poller` reads: the running poller, or none when `platform.poll.enabled` is false. */
export interface PollerStatusSource {
  status(): PollerStatus;
}

/** `GET /v1/poller`: the job-history poller's state, cursor, lag, last error and counters. */
export function registerPollerRoutes(app: FastifyInstance, poller: PollerStatusSource | null): void {
  app.get('/v1/poller', async () =>
    poller === null ? { state: 'disabled', hint: 'set platform.poll.enabled (or serve --poll) and platform.url to pull events from the job history' } : poller.status(),
  );
}
