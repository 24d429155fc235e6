import { HOST_API_VERSION } from '../version.js';
import { MAX_WAIT_MS } from './event-routes.js';

const guid = { type: 'string', format: 'uuid', examples: ['a809ce1f-1eea-4738-a38e-15708c89c981'] };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: what });
const secured = [{ bearer: [] }];
const authErrors = { '401': error('Missing or wrong bearer token (only when the host has an API token)') };

const outcome = {
  type: 'object',
  required: ['plugin', 'version', 'handler', 'outcome', 'durationMs', 'invocationId', 'attempts', 'recordedAt'],
  properties: {
    plugin: { type: 'string' },
    version: { type: 'string' },
    handler: { type: 'string' },
    outcome: { enum: ['succeeded', 'failed', 'error', 'timeout', 'crashed', 'rejected'], description: 'succeeded = returned true; failed = returned false; error = threw; timeout; crashed = isolate died; rejected = no capacity' },
    durationMs: { type: 'number' },
    invocationId: { type: 'string' },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    attempts: { type: 'integer', description: 'Which dispatch of the event ran the handler (1 unless the host stopped mid-dispatch)' },
    recordedAt: { type: 'string', format: 'date-time' },
  },
};

/** The API description served at /openapi.json (OpenAPI 3.1). Tests check every route is in it. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'JobHook host API',
    version: HOST_API_VERSION,
    description: 'Durable intake of Keyfactor orchestrator job completions, the outcome of every handler, and plugin administration.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'JOBHOOK_TOKEN; required on /v1 routes when configured' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', examples: ['EVENT_INVALID'] },
              message: { type: 'string' },
              problems: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string', examples: ['/jobTypeId'] }, message: { type: 'string' } } } },
            },
          },
        },
      },
      JobCompletion: {
        type: 'object',
        description: "Keyfactor's OrchestratorJobCompleteHandlerContext without Client. Field names camelCase or PascalCase; enums as number or member name.",
        required: ['agentId', 'jobId', 'jobType', 'jobTypeId', 'jobResult'],
        properties: {
          agentId: guid,
          jobId: guid,
          jobTypeId: guid,
          jobType: { type: 'string', examples: ['PEMInventory'] },
          jobResult: { oneOf: [{ enum: [0, 2, 3, 4] }, { enum: ['Unknown', 'Success', 'Warning', 'Failure'] }] },
          operationType: { oneOf: [{ type: 'integer', minimum: 0, maximum: 9 }, { type: 'string', examples: ['Inventory', 'Add', 'Remove'] }], default: 0 },
          username: { type: ['string', 'null'] },
          clientMachine: { type: ['string', 'null'] },
          certificateId: { type: ['integer', 'null'], minimum: 0 },
          requestTimestamp: { type: ['string', 'null'], format: 'date-time' },
          currentRetryCount: { type: 'integer', minimum: 0, default: 0 },
          source: { enum: ['push', 'poll'], description: "'poll' when the host read the event from the platform's job history; absent means 'push'" },
          jobHistoryId: { type: ['integer', 'null'], minimum: 0, description: 'The job-history row a polled event was read from' },
        },
      },
      Accepted: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'string' }, status: { enum: ['pending', 'dispatching', 'done'] } } },
      Outcome: outcome,
      EventRecord: {
        type: 'object',
        required: ['id', 'status', 'attempts', 'acceptedAt', 'completedAt', 'idempotencyKey', 'event', 'outcomes'],
        properties: {
          id: { type: 'string' },
          status: { enum: ['pending', 'dispatching', 'done'] },
          attempts: { type: 'integer' },
          acceptedAt: { type: 'string', format: 'date-time' },
          completedAt: { type: ['string', 'null'], format: 'date-time' },
          idempotencyKey: { type: ['string', 'null'] },
          event: { type: 'object', description: 'The normalised event (camelCase, enums as numbers, GUIDs lower-case)' },
          outcomes: { type: 'array', items: ref('Outcome') },
        },
      },
      Plugin: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          folder: { type: 'string' },
          state: { enum: ['loading', 'active', 'draining', 'failed', 'disposed'] },
          disabled: { type: 'boolean' },
          version: { type: ['string', 'null'] },
          contentHash: { type: ['string', 'null'] },
          loadedAt: { type: ['string', 'null'], format: 'date-time' },
          handlers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, jobTypes: { type: 'array', items: guid } } } },
          jobTypes: { type: 'array', items: guid },
          limits: { type: ['object', 'null'], properties: { memoryMb: { type: 'integer' }, timeoutMs: { type: 'integer' }, concurrency: { type: 'integer' } } },
          invocations: { type: 'object', description: 'Invocations by outcome since the host started', additionalProperties: { type: 'integer' } },
          lastError: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' }, version: { type: 'string' } } },
          signedBy: { type: ['string', 'null'], description: "Key id (trust.keys) that signed the active version; null when it is unsigned" },
        },
      },
    },
  },
  paths: {
    '/v1/job-completions': {
      post: {
        summary: 'Accept one job-completion event',
        description: 'Validates the event and commits it durably before answering 202. Matching handlers run after; their outcomes are recorded.',
        security: secured,
        parameters: [
          { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS }, description: 'Wait up to this many ms for the outcomes; 200 with the record if done by then' },
          { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 200 }, description: 'A retried POST with the same key (and event) returns the first id instead of storing a second event' },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: ref('JobCompletion') } } },
        responses: {
          '202': json(ref('Accepted'), 'Stored; dispatch follows (Location names the event)'),
          '200': json(ref('EventRecord'), 'Stored and dispatched within ?wait'),
          '400': error('Invalid event (problems name each field), bad query or header, or not JSON'),
          ...authErrors,
          '413': error('Body larger than the limit'),
          '415': error('Content-Type is not application/json'),
          '422': error('Idempotency-Key already used for a different event'),
          '503': error('The store cannot commit or the host is stopping'),
        },
      },
      get: {
        summary: 'List events, newest first',
        security: secured,
        parameters: [
          { name: 'status', in: 'query', schema: { enum: ['pending', 'dispatching', 'done'] } },
          { name: 'jobId', in: 'query', schema: guid },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          { name: 'before', in: 'query', schema: { type: 'string' }, description: 'Id of the last event of the previous page' },
        ],
        responses: { '200': json({ type: 'object', properties: { events: { type: 'array', items: ref('EventRecord') } } }, 'A page of events'), ...authErrors, '404': error('Unknown `before` event') },
      },
    },
    '/v1/job-completions/{id}': {
      get: {
        summary: 'An event, its status and the outcome of each matched handler',
        security: secured,
        parameters: [idParam('Event id from the 202')],
        responses: { '200': json(ref('EventRecord'), 'The event'), ...authErrors, '404': error('Unknown or pruned event') },
      },
    },
    '/v1/plugins': {
      get: { summary: 'Every plugin: state, version, handlers, limits, counters, last error', security: secured, responses: { '200': json({ type: 'object', properties: { plugins: { type: 'array', items: ref('Plugin') } } }, 'Plugins'), ...authErrors } },
    },
    '/v1/plugins/{id}': {
      get: { summary: 'One plugin', security: secured, parameters: [idParam('Plugin id')], responses: { '200': json(ref('Plugin'), 'The plugin'), ...authErrors, '404': error('Unknown plugin') } },
    },
    '/v1/plugins/{id}/disable': {
      post: {
        summary: 'Stop routing events to a plugin (kept across restarts)',
        security: secured,
        parameters: [idParam('Plugin id')],
        responses: { '200': json(ref('Plugin'), 'The plugin, now disabled'), ...authErrors, '404': error('Unknown plugin') },
      },
    },
    '/v1/plugins/{id}/enable': {
      post: {
        summary: 'Reload a plugin from its folder and route to it again; lifts a quarantine',
        security: secured,
        parameters: [idParam('Plugin id')],
        responses: { '200': json(ref('Plugin'), 'The plugin after the reload (state failed + lastError if it still cannot load)'), ...authErrors, '404': error('Unknown plugin') },
      },
    },
    '/v1/poller': {
      get: {
        summary: "The job-history poller: state, cursor, rows waited on or held, lag, last error, counters ({ state: 'disabled' } when polling is off)",
        security: secured,
        responses: { '200': json({ type: 'object', required: ['state'], properties: { state: { enum: ['disabled', 'starting', 'polling', 'backing-off', 'stopped'] } } }, 'Poller status'), ...authErrors },
      },
    },
    '/healthz': { get: { summary: 'The process is up', responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }, 'Up') } } },
    '/readyz': {
      get: {
        summary: "Store open, plugins loaded, not stopping; 200 with status 'degraded' while job-history polling fails",
        responses: { '200': json({ type: 'object' }, 'Ready'), '503': json({ type: 'object' }, 'Not ready, with the reason') },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics (text exposition format)', responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') } } },
  },
} as const;
