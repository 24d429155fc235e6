import type { FastifyInstance } from 'fastify';
import { normalizeGuid } from '../manifest/plugin-manifest.js';
import { EventValidationError, JobHookError } from '../errors.js';
import { normalizeEvent } from '../dispatch/normalize-event.js';
import { EVENT_STATUSES, type EventStatus, type EventStore } from '../store/event-store.js';
import type { EventPump } from './event-pump.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Longest `?wait=` the API honours, in ms. */
export const MAX_WAIT_MS = 60_000;

// Printable ASCII without spaces at the ends, like Stripe's and the IETF draft's keys.
const IDEMPOTENCY_KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

function idempotencyKeyCount(rawHeaders: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'idempotency-key') n++;
  return n;
}

interface EventRouteDeps {
  readonly store: EventStore;
  readonly pump: EventPump;
  readonly metrics: ServiceMetrics;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** POST/GET /v1/job-completions: durable intake and outcome records (design §3.5). */
export function registerEventRoutes(app: FastifyInstance, { store, pump, metrics }: EventRouteDeps): void {
  app.post<{ Querystring: { wait?: number } }>(
    '/v1/job-completions',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS } } } } },
    async (request, reply) => {
      let event;
      try {
        event = normalizeEvent(request.body);
      } catch (e) {
        if (e instanceof EventValidationError) metrics.eventReceived('invalid');
        throw e;
      }
      const key = request.headers['idempotency-key'];
      // Node joins repeated headers with ', ', which would turn two keys into a third one.
      if (idempotencyKeyCount(request.raw.rawHeaders) > 1) {
        throw new JobHookError('IDEMPOTENCY_KEY_REPEATED', 'the Idempotency-Key header was sent more than once; send exactly one key per request');
      }
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        throw new JobHookError('IDEMPOTENCY_KEY_INVALID', 'the Idempotency-Key header must be 1–200 printable ASCII characters, given once (e.g. "<jobId>:<currentRetryCount>")');
      }
      const { id, created } = await store.append(event, key ?? null);
      metrics.eventReceived(created ? 'accepted' : 'duplicate');
      if (created) pump.wake();
      reply.header('location', `/v1/job-completions/${id}`);
      if (!created) reply.header('idempotent-replayed', 'true');
      const wait = request.query.wait ?? 0;
      if (wait > 0 && (await pump.whenDone(id, wait, async () => (await store.get(id))?.status === 'done'))) {
        return reply.code(200).send(await store.get(id));
      }
      const status: EventStatus = created ? 'pending' : ((await store.get(id))?.status ?? 'pending');
      return reply.code(202).send({ id, status });
    },
  );

  app.get<{ Querystring: { status?: EventStatus; jobId?: string; limit?: number; before?: string } }>(
    '/v1/job-completions',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { enum: [...EVENT_STATUSES] },
            jobId: { type: 'string', minLength: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            before: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request) => {
      const { status, jobId, limit, before } = request.query;
      const events = await store.list({ status, jobId: jobId === undefined ? undefined : normalizeGuid(jobId), limit, before });
      return { events };
    },
  );

  app.get<{ Params: { id: string } }>('/v1/job-completions/:id', { schema: { params: idParams } }, async (request) => {
    const record = await store.get(request.params.id);
    if (!record) throw new JobHookError('EVENT_NOT_FOUND', `no event with id '${request.params.id}' (unknown, or pruned by retention)`);
    return record;
  });
}
