import type { FastifyInstance } from 'fastify';
import { BEARER, errorResponses, ref, V1_ERRORS } from '../schemas/common-schemas.js';
import type { PollerStatus } from '../../sources/poller/poller-status.js';

/** What `GET /v1/poller` reads: the running poller, or none when `platform.poll.enabled` is false. */
export interface PollerStatusSource {
  status(): PollerStatus;
}

/** `GET /v1/poller`: the job-history poller's state, cursor, lag, last error and counters. */
export function registerPollerRoutes(app: FastifyInstance, poller: PollerStatusSource | null): void {
  const schema = {
    summary: "The job-history poller: state, cursor, rows waited on or held, lag, last error, counters ({ state: 'disabled' } when polling is off)",
    tags: ['poller'],
    security: BEARER,
    response: { 200: { description: 'Poller status', ...ref('PollerStatus') }, ...errorResponses(V1_ERRORS) },
  };
  app.get('/v1/poller', { schema }, async () =>
    poller === null ? { state: 'disabled', hint: 'set platform.poll.enabled (or serve --poll) and platform.url to pull events from the job history' } : poller.status(),
  );
}
