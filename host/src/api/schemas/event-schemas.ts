import { EVENT_STATUSES } from '../../store/event-store.js';
import { errorInfoSchema, guidSchema, jobCompletionSchema, OUTCOMES, outcomeEnumSchema, wireEventSchema } from '@jobhook/sdk/contract';
import { ref, type JsonSchema } from './common-schemas.js';

const statusSchema = { type: 'string', enum: [...EVENT_STATUSES] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** The event as posted and as stored: the contract's schemas, components of the document. */
export { jobCompletionSchema, wireEventSchema };

const logLineSchema = {
  type: 'object',
  required: ['at', 'level', 'message'],
  properties: { at: dateTime, level: { type: 'string' }, message: { type: 'string' }, fields: { type: 'object', additionalProperties: true } },
} as const;

/** One handler's recorded outcome, with the plugin log lines of its invocation. */
export const outcomeSchema = {
  $id: 'Outcome',
  type: 'object',
  required: ['plugin', 'version', 'handler', 'outcome', 'durationMs', 'invocationId', 'attempts', 'recordedAt', 'replay'],
  properties: {
    plugin: { type: 'string' },
    version: { type: 'string' },
    handler: { type: 'string' },
    outcome: outcomeEnumSchema,
    durationMs: { type: 'number' },
    invocationId: { type: 'string' },
    error: errorInfoSchema,
    attempts: { type: 'integer', description: 'Which claim of the event (or replay) ran the handler: 1 unless the host stopped mid-dispatch' },
    recordedAt: dateTime,
    replay: { type: 'integer', minimum: 0, description: "0 for the event's own dispatch, n for its n-th replay; earlier outcomes are kept" },
    logs: {
      type: 'object',
      description: 'The plugin log lines of this invocation: the first 50 lines / 16 KiB; truncated when more were written',
      required: ['lines', 'truncated'],
      properties: { lines: { type: 'array', items: logLineSchema }, truncated: { type: 'boolean' } },
    },
  },
} as const;

/** A stored replay request. */
export const replaySchema = {
  $id: 'Replay',
  type: 'object',
  required: ['eventId', 'replay', 'plugin', 'handler', 'status', 'requestedAt', 'completedAt'],
  properties: {
    eventId: { type: 'string' },
    replay: { type: 'integer', minimum: 1, description: 'The replay number its outcomes carry' },
    plugin: { type: 'string' },
    handler: { type: ['string', 'null'], description: 'null: every handler of the plugin matching the job type' },
    status: statusSchema,
    requestedAt: dateTime,
    completedAt: nullableDateTime,
  },
} as const;

/** An accepted event, its state, every outcome and every replay. */
export const eventRecordSchema = {
  $id: 'EventRecord',
  type: 'object',
  required: ['id', 'status', 'attempts', 'acceptedAt', 'completedAt', 'idempotencyKey', 'event', 'outcomes', 'replays'],
  properties: {
    id: { type: 'string' },
    status: statusSchema,
    attempts: { type: 'integer' },
    acceptedAt: dateTime,
    completedAt: nullableDateTime,
    idempotencyKey: { type: ['string', 'null'] },
    event: ref('WireEvent'),
    outcomes: { type: 'array', items: ref('Outcome') },
    replays: { type: 'array', items: ref('Replay') },
  },
} as const;

/** The 202 of a POST. */
export const acceptedSchema = { $id: 'Accepted', type: 'object', required: ['id', 'status'], properties: { id: { type: 'string' }, status: statusSchema } } as const;

/** A page of events; `next` is the `before` of the following page, null on the last. */
export const eventPageSchema = {
  $id: 'EventPage',
  type: 'object',
  required: ['events', 'next'],
  properties: {
    events: { type: 'array', items: ref('EventRecord'), description: 'Newest first; outcomes without their log lines (GET one event for those)' },
    next: { type: ['string', 'null'], description: 'Pass as ?before= for the next page; null when this page is the last' },
  },
} as const;

/** Query of GET /v1/job-completions. */
export const eventListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: statusSchema,
    outcome: { type: 'string', enum: [...OUTCOMES], description: 'Events with at least one outcome of this kind (any attempt)' },
    plugin: { type: 'string', minLength: 1, maxLength: 200, description: 'Events with an outcome from this plugin' },
    jobTypeId: guidSchema,
    jobType: { type: 'string', minLength: 1, maxLength: 200, description: 'Job type name, e.g. PEMInventory (case-insensitive)' },
    jobId: { type: 'string', minLength: 1 },
    from: { type: 'string', format: 'date-time', description: 'Accepted at or after' },
    until: { type: 'string', format: 'date-time', description: 'Accepted before' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    before: { type: 'string', minLength: 1, description: 'Id of the last event of the previous page (its `next`)' },
  },
} as const;

/** Every shared schema of the event routes, for `app.addSchema`. */
export const EVENT_SCHEMAS: readonly JsonSchema[] = [jobCompletionSchema, wireEventSchema, outcomeSchema, replaySchema, eventRecordSchema, acceptedSchema, eventPageSchema];
