import type { FastifyInstance } from 'fastify';
import { BEARER, errorResponses, idParamsSchema, ref, V1_ERRORS } from '../schemas/common-schemas.js';
import { eventListQuerySchema, jobCompletionSchema } from '../schemas/event-schemas.js';
import type { Outcome } from '@jobhook/sdk/contract';
import type { DocumentedBody } from '../schemas/register-openapi.js';
import { normalizeGuid } from '@jobhook/sdk/contract';
import { EventValidationError, JobHookError } from '../../errors.js';
import { normalizeEvent } from '../../sources/normalize-event.js';
import type { EventRecord, EventStatus, EventStore } from '../../store/event-store.js';
import type { EventPump } from '../../delivery/event-pump.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

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
  /** Told of each newly stored event (the live feed). */
  readonly onAccepted?: (id: string, event: EventRecord['event']) => void;
}

interface ListQuery {
  status?: EventStatus;
  outcome?: Outcome;
  plugin?: string;
  jobTypeId?: string;
  jobType?: string;
  jobId?: string;
  from?: string;
  until?: string;
  limit?: number;
  before?: string;
}

const TAGS = ['events'];

/** A page of events keeps its outcomes but not their log lines: those are on each event's own page. */
const withoutLogs = (r: EventRecord): EventRecord => ({ ...r, outcomes: r.outcomes.map(({ logs: _logs, ...o }) => o) });

/** POST/GET /v1/job-completions: durable intake and outcome records. */
export function registerEventRoutes(app: FastifyInstance, { store, pump, metrics, onAccepted }: EventRouteDeps): void {
  app.post<{ Querystring: { wait?: number } }>(
    '/v1/job-completions',
    {
      config: { documentedBody: ref(jobCompletionSchema.$id) } satisfies DocumentedBody,
      schema: {
        summary: 'Accept one job-completion event',
        description: 'Validates the event and commits it durably before answering 202. Matching handlers run after; their outcomes are recorded.',
        tags: TAGS,
        security: BEARER,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS, description: 'Wait up to this many ms for the outcomes; 200 with the record if done by then' } },
        },
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', description: '1–200 printable ASCII characters. ' + 'A retried POST with the same key (and event) returns the first id instead of storing a second event' } },
        },
        response: {
          202: { description: 'Stored; dispatch follows (Location names the event)', ...ref('Accepted') },
          200: { description: 'Stored and dispatched within ?wait', ...ref('EventRecord') },
          ...errorResponses({
            400: 'Invalid event (problems name each field), bad query or header, or not JSON',
            ...V1_ERRORS,
            413: 'Body larger than the limit',
            415: 'Content-Type is not application/json',
            422: 'Idempotency-Key already used for a different event',
          }),
        },
      },
    },
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
      if (created) {
        pump.wake();
        onAccepted?.(id, event);
      }
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

  app.get<{ Querystring: ListQuery }>(
    '/v1/job-completions',
    {
      schema: {
        summary: 'List events, newest first, with filters',
        tags: TAGS,
        security: BEARER,
        querystring: eventListQuerySchema,
        response: { 200: { description: 'A page of events', ...ref('EventPage') }, ...errorResponses({ 400: 'Bad filter', ...V1_ERRORS, 404: 'Unknown `before` event' }) },
      },
    },
    async (request) => {
      const { status, outcome, plugin, jobTypeId, jobType, jobId, from, until, limit, before } = request.query;
      const pageSize = limit ?? 50;
      // One more than asked tells whether a next page exists without a second query.
      const events = await store.list({
        status,
        outcome,
        plugin,
        jobTypeId,
        jobType,
        jobId: jobId === undefined ? undefined : normalizeGuid(jobId),
        acceptedFrom: from === undefined ? undefined : new Date(from),
        acceptedUntil: until === undefined ? undefined : new Date(until),
        limit: Math.min(pageSize + 1, 1000),
        before,
      });
      const page = events.slice(0, pageSize);
      return { events: page.map(withoutLogs), next: events.length > pageSize ? page[page.length - 1]!.id : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/job-completions/:id',
    {
      schema: {
        summary: 'An event, its status, the outcome of each matched handler (with its plugin log lines) and its replays',
        tags: TAGS,
        security: BEARER,
        params: idParamsSchema,
        response: { 200: { description: 'The event', ...ref('EventRecord') }, ...errorResponses({ ...V1_ERRORS, 404: 'Unknown or pruned event' }) },
      },
    },
    async (request) => {
      const record = await store.get(request.params.id);
      if (!record) throw new JobHookError('EVENT_NOT_FOUND', `no event with id '${request.params.id}' (unknown, or pruned by retention)`);
      return record;
    },
  );
}
