import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../store/event-store.js';
import type { ServicePlugins } from './plugin-routes.js';
import type { ServiceMetrics } from './service-metrics.js';

interface OpsRouteDeps {
  readonly store: EventStore;
  readonly plugins: ServicePlugins;
  readonly metrics: ServiceMetrics;
  /** False once the service has begun to stop. */
  readonly accepting: () => boolean;
}

const TAGS = ['operations'];
const summarySchema = {
  type: 'object',
  required: ['active', 'failed', 'total'],
  properties: { active: { type: 'integer' }, failed: { type: 'integer' }, total: { type: 'integer' } },
} as const;
const readySchema = {
  type: 'object',
  required: ['status', 'plugins'],
  properties: {
    status: { type: 'string', enum: ['ready', 'stopping', 'unavailable'] },
    store: { type: 'string', description: '`open`, or the code of why it cannot commit' },
    reason: { type: 'string' },
    queue: { type: 'object', required: ['pending', 'dispatching'], properties: { pending: { type: 'integer' }, dispatching: { type: 'integer' } } },
    plugins: summarySchema,
  },
} as const;

/** /healthz, /readyz and /metrics: unauthenticated, for probes and scrapers. */
export function registerOpsRoutes(app: FastifyInstance, { store, plugins, metrics, accepting }: OpsRouteDeps): void {
  app.get(
    '/healthz',
    { schema: { summary: 'The process is up', tags: TAGS, response: { 200: { description: 'Up', type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } } },
    async () => ({ status: 'ok' }),
  );

  const readyResponses = { 200: { description: 'Ready', ...readySchema }, 503: { description: 'Not ready, with the reason', ...readySchema } };
  app.get('/readyz', { schema: { summary: 'Store open, plugins loaded, not stopping', tags: TAGS, response: readyResponses } }, async (_request, reply) => {
    const list = plugins.list();
    const summary = { active: list.filter((p) => p.state === 'active').length, failed: list.filter((p) => p.state === 'failed').length, total: list.length };
    if (!accepting()) return reply.code(503).send({ status: 'stopping', plugins: summary });
    const writeError = store.writeError();
    if (writeError !== null) return reply.code(503).send({ status: 'unavailable', store: 'STORE_WRITE_FAILED', reason: writeError, plugins: summary });
    try {
      const queue = await store.queueDepth();
      return { status: 'ready', store: 'open', queue, plugins: summary };
    } catch (e) {
      return reply.code(503).send({ status: 'unavailable', store: (e as { code?: string }).code ?? 'STORE_UNAVAILABLE', plugins: summary });
    }
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: TAGS,
        produces: ['text/plain'],
        response: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );
}
