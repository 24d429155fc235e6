import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { HOST_API_VERSION } from '../../version.js';
import { errorSchema, type JsonSchema } from './common-schemas.js';
import { CLUSTER_SCHEMAS } from './cluster-schemas.js';
import { EVENT_SCHEMAS } from './event-schemas.js';
import { PLUGIN_SCHEMAS } from './plugin-schemas.js';
import { POLLER_SCHEMAS } from './poller-schemas.js';
import { REPLAY_SCHEMAS } from './replay-schemas.js';

/**
 * A request body described in the OpenAPI document but not checked by Fastify's validator: the
 * event intake reads Keyfactor's PascalCase or camelCase names and enum names, and answers each bad
 * field in its own words, which a JSON Schema alone cannot express.
 */
export interface DocumentedBody {
  readonly documentedBody?: JsonSchema;
}

declare module 'fastify' {
  interface FastifyContextConfig extends DocumentedBody {}
}

/**
 * Adds the shared schemas (each a component of the document), generates the OpenAPI 3.1 document
 * from every route's schemas at /openapi.json, and serves the interactive reference at /docs with
 * its assets from the package (nothing from a CDN). Call before any route is added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  for (const schema of [errorSchema, ...EVENT_SCHEMAS, ...PLUGIN_SCHEMAS, ...REPLAY_SCHEMAS, ...POLLER_SCHEMAS, ...CLUSTER_SCHEMAS]) app.addSchema(schema);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'JobHook host API',
        version: HOST_API_VERSION,
        description:
          'Durable intake of Keyfactor orchestrator job completions, the outcome of every handler, replays after a fix, plugin administration and a live feed. The web console at / uses this API.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'JOBHOOK_TOKEN; required on /v1 routes when configured' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const body = (route as RouteOptions & { config?: DocumentedBody }).config?.documentedBody;
      return { schema: body ? { ...schema, body } : schema, url };
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { persistAuthorization: false } });
  app.get(
    '/openapi.json',
    { schema: { summary: 'This document (OpenAPI 3.1)', tags: ['operations'], response: { 200: { description: 'OpenAPI 3.1', type: 'object', additionalProperties: true } } } },
    async () => app.swagger(),
  );
}
