import { errorInfoSchema, guidSchema, OUTCOMES, outcomeEnumSchema, pluginStateSchema } from '@jobhook/sdk/contract';
import type { JsonSchema } from './common-schemas.js';
import { ref } from './common-schemas.js';

/** One plugin as the API shows it: the registry's status plus the admin switch and counters. */
export const pluginSchema = {
  $id: 'Plugin',
  type: 'object',
  required: ['id', 'folder', 'state', 'disabled', 'quarantined', 'version', 'contentHash', 'loadedAt', 'handlers', 'jobTypes', 'limits', 'invocations', 'lastError', 'lastFailure'],
  properties: {
    id: { type: 'string' },
    folder: { type: 'string' },
    state: pluginStateSchema,
    disabled: { type: 'boolean', description: 'The admin disabled it; it gets no events until enabled' },
    quarantined: { type: 'boolean', description: 'Stopped after repeated faults; lifted by enable or a new version' },
    version: { type: ['string', 'null'] },
    contentHash: { type: ['string', 'null'] },
    signedBy: { type: ['string', 'null'], description: 'Key id (trust.keys) that signed the active version; null when it is unsigned' },
    loadedAt: { type: ['string', 'null'], format: 'date-time' },
    handlers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'jobTypes'],
        properties: {
          name: { type: 'string' },
          jobTypes: { type: 'array', items: guidSchema, description: 'The job types in force (what routing uses)' },
          jobTypesFrom: { type: 'string', enum: ['config'], description: "'config' when the admin's plugins.<id>.handlers.<name>.jobTypes replaced the manifest's list" },
          resolved: {
            type: 'array',
            description: "The manifest's symbolic job types and what they resolved to",
            items: { type: 'object', required: ['entry', 'jobTypeId', 'jobType'], properties: { entry: { type: 'string' }, jobTypeId: { type: 'string' }, jobType: { type: 'string' } } },
          },
          error: { ...errorInfoSchema, description: 'Why the handler is refused (e.g. JOB_TYPE_UNRESOLVED): it routes nothing while the other handlers serve' },
        },
      },
    },
    jobTypes: { type: 'array', items: guidSchema, description: 'Every job type its handlers run for' },
    limits: {
      type: ['object', 'null'],
      required: ['memoryMb', 'timeoutMs', 'concurrency'],
      properties: { memoryMb: { type: 'integer' }, timeoutMs: { type: 'integer' }, concurrency: { type: 'integer' } },
    },
    invocations: {
      type: 'object',
      description: 'Invocations by outcome since the host started',
      required: [...OUTCOMES],
      properties: Object.fromEntries(OUTCOMES.map((o) => [o, { type: 'integer' }])),
    },
    lastError: {
      type: ['object', 'null'],
      required: [...errorInfoSchema.required, 'at'],
      description: 'Why the plugin itself last failed to load or run (crash, quarantine, refused version)',
      properties: { ...errorInfoSchema.properties, at: { type: 'string', format: 'date-time' }, version: { type: 'string' } },
    },
    lastFailure: {
      type: ['object', 'null'],
      description: 'Its latest invocation that did not succeed since the host started',
      required: ['handler', 'version', 'outcome', 'code', 'message', 'at'],
      properties: {
        handler: { type: 'string' },
        version: { type: 'string' },
        outcome: outcomeEnumSchema,
        code: { type: ['string', 'null'] },
        message: { type: ['string', 'null'] },
        at: { type: 'string', format: 'date-time' },
      },
    },
  },
} as const;

/** GET /v1/plugins. */
export const pluginListSchema = { $id: 'PluginList', type: 'object', required: ['plugins'], properties: { plugins: { type: 'array', items: ref('Plugin') } } } as const;

/** Every shared schema of the plugin routes, for `app.addSchema`. */
export const PLUGIN_SCHEMAS: readonly JsonSchema[] = [pluginSchema, pluginListSchema];
