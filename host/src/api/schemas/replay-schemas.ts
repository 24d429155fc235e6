import type { JsonSchema } from './common-schemas.js';
import { ref } from './common-schemas.js';
import { OUTCOMES } from '@jobhook/sdk/contract';

/** Body of POST /v1/job-completions/:id/replay: which plugin's handlers to run again. */
export const eventReplayBodySchema = {
  $id: 'EventReplayRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    plugin: { type: 'string', minLength: 1, maxLength: 200, description: 'Default: every plugin with an outcome for the event' },
    handler: { type: 'string', minLength: 1, maxLength: 200, description: 'One handler of `plugin` (requires `plugin`); default: all of its handlers that had an outcome' },
  },
} as const;

/** Query of POST /v1/plugins/:id/replay. */
export const pluginReplayQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['since'],
  properties: {
    since: { type: 'string', format: 'date-time', description: 'Outcomes recorded at or after this time' },
    outcome: {
      type: 'array',
      items: { type: 'string', enum: [...OUTCOMES] },
      description: 'Outcomes to run again (repeat the parameter); default failed, error, timeout, crashed. The latest attempt of each (event, handler) must be one of them.',
    },
    handler: { type: 'string', minLength: 1, maxLength: 200, description: 'Only this handler of the plugin' },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
  },
} as const;

/** What a replay request stored: one replay per event and selection, pending for the dispatcher loop. */
export const replayAcceptedSchema = {
  $id: 'ReplayAccepted',
  type: 'object',
  required: ['replays'],
  properties: { replays: { type: 'array', items: ref('Replay'), description: 'Stored, pending; each outcome they produce carries its replay number' } },
} as const;

/** Every shared schema of the replay routes, for `app.addSchema`. */
export const REPLAY_SCHEMAS: readonly JsonSchema[] = [eventReplayBodySchema, replayAcceptedSchema];
