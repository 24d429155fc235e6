import { errorInfoSchema, problemSchema, type JsonSchema } from '@jobhook/sdk/contract';

/** A JSON Schema object as the routes declare it (plain JSON, shared with the OpenAPI document). */
export type { JsonSchema };

/** A reference to a shared schema registered with `app.addSchema` (a component of the OpenAPI document). */
export const ref = (id: string): JsonSchema => ({ $ref: `${id}#` });

/** The body of every error answer. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer: a stable code, a message for people, and the problem of each field if any',
  required: ['error'],
  properties: {
    error: {
      ...errorInfoSchema,
      properties: {
        ...errorInfoSchema.properties,
        code: { ...errorInfoSchema.properties.code, examples: ['EVENT_INVALID'] },
        problems: { type: 'array', items: problemSchema },
      },
    },
  },
} as const;

/** `:id` in a path. */
export const idParamsSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Error answers, by status, each with what it means on the route. */
export function errorResponses(described: Readonly<Record<number, string>>): Record<number, JsonSchema> {
  return Object.fromEntries(Object.entries(described).map(([status, description]) => [status, { description, ...ref('Error') }]));
}

/** The answers every /v1 route can give besides its own. */
export const V1_ERRORS = {
  401: 'Missing or wrong bearer token (only when the host has an API token)',
  503: 'The store cannot commit or the host is stopping',
} as const;

/** `security` of a /v1 route in the OpenAPI document. */
export const BEARER = [{ bearer: [] }];
