import type { JsonSchema } from './common-schemas.js';

const iso = { type: ['string', 'null'], format: 'date-time' } as const;

/** GET /v1/poller: the job-history poller's status, or `{ state: 'disabled', hint }` when polling is off. */
export const pollerStatusSchema = {
  $id: 'PollerStatus',
  type: 'object',
  required: ['state'],
  properties: {
    state: { type: 'string', enum: ['disabled', 'starting', 'polling', 'backing-off', 'stopped'] },
    hint: { type: 'string', description: 'Only when disabled: how to turn polling on' },
    healthy: { type: 'boolean', description: "False while the last poll failed or rows are held unmapped (/readyz then reads 'degraded')" },
    platform: { type: 'string' },
    intervalMs: { type: 'integer' },
    cursor: { type: ['integer', 'null'], description: 'Every row up to this JobHistoryId is stored or skipped' },
    scannedTo: { type: ['integer', 'null'] },
    open: {
      type: 'object',
      required: ['waiting', 'held', 'rows'],
      properties: {
        waiting: { type: 'integer' },
        held: { type: 'integer' },
        rows: {
          type: 'array',
          items: {
            type: 'object',
            required: ['jobHistoryId', 'jobId', 'kind', 'since'],
            properties: {
              jobHistoryId: { type: 'integer' },
              jobId: { type: ['string', 'null'] },
              kind: { type: 'string', enum: ['waiting', 'held'] },
              since: { type: 'string', format: 'date-time' },
              code: { type: 'string' },
              message: { type: 'string' },
              attempts: { type: 'integer' },
            },
          },
        },
      },
    },
    lagMs: { type: ['number', 'null'], description: 'now − newest stored OperationEnd' },
    newestOperationEnd: iso,
    lastPollAt: iso,
    lastSuccessAt: iso,
    nextPollAt: iso,
    lastError: {
      type: ['object', 'null'],
      required: ['code', 'message', 'at', 'consecutive'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string', format: 'date-time' }, consecutive: { type: 'integer' } },
    },
    rowsSeen: { type: 'integer' },
    eventsStored: { type: 'integer' },
    duplicates: { type: 'integer' },
    rowsSkipped: { type: 'integer' },
    recentlySkipped: {
      type: 'array',
      items: {
        type: 'object',
        required: ['jobHistoryId', 'jobId', 'code', 'message', 'at'],
        properties: { jobHistoryId: { type: 'integer' }, jobId: { type: ['string', 'null'] }, code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
      },
    },
    errors: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Failures by code since the start' },
  },
} as const;

/** Every shared schema of the poller route, for `app.addSchema`. */
export const POLLER_SCHEMAS: readonly JsonSchema[] = [pollerStatusSchema];
