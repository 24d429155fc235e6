import type { FastifyInstance } from 'fastify';
import type { PollerStatusSource } from './poller-routes.js';
import type { MemoryEnforcement } from '../../sandbox/plugin-sandbox.js';
import type { EventStore } from '../../store/event-store.js';
import type { ServicePlugins } from './plugin-routes.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

interface OpsRouteDeps {
  readonly store: EventStore;
  readonly plugins: ServicePlugins;
  readonly metrics: ServiceMetrics;
  /** False once the service has begun to stop. */
  readonly accepting: () => boolean;
  /** The job-history poller, when it runs: failing polls make the service `degraded`, not unready. */
  readonly poller?: PollerStatusSource | null;
  /** Which sandbox memory limits hold (reported so an admin can see what this machine enforces). */
  readonly sandbox?: () => MemoryEnforcement | null;
  /** Why the host is degraded otherwise (still ready), or null. */
  readonly degraded?: () => string | null;
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
    status: { type: 'string', enum: ['ready', 'degraded', 'stopping', 'unavailable'], description: 'degraded: ready (200), but job-history polling fails or another part is impaired (see reason)' },
    store: { type: 'string', description: '`open`, or the code of why it cannot commit' },
    reason: { type: 'string' },
    queue: { type: 'object', required: ['pending', 'dispatching'], properties: { pending: { type: 'integer' }, dispatching: { type: 'integer' } } },
    plugins: summarySchema,
    sandboxMemory: {
      type: ['object', 'null'],
      description: 'Which sandbox memory limits hold on this machine',
      required: ['kernel', 'kernelLimitMb', 'kernelReason', 'processMemoryMb', 'inIsolate'],
      properties: {
        kernel: { type: 'string', enum: ['rlimit-data', 'none'], description: "The kernel's hard limit on each sandbox process" },
        kernelLimitMb: { type: ['number', 'null'] },
        kernelReason: { type: ['string', 'null'], description: 'Why there is none, when there is none' },
        processMemoryMb: { type: ['number', 'null'], description: 'Resident memory past which the largest isolate is shed (null in-process)' },
        inIsolate: { type: 'array', items: { type: 'string' }, description: 'What the SDK runtime turns off or caps inside every isolate' },
      },
    },
    poller: {
      type: 'object',
      description: 'Only when the job-history poller runs',
      required: ['state', 'healthy', 'lastError', 'held'],
      properties: {
        state: { type: 'string' },
        healthy: { type: 'boolean' },
        held: { type: 'integer' },
        lastError: {
          type: ['object', 'null'],
          required: ['code', 'message', 'at', 'consecutive'],
          properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string', format: 'date-time' }, consecutive: { type: 'integer' } },
        },
      },
    },
  },
} as const;

/** /healthz, /readyz and /metrics: unauthenticated, for probes and scrapers. */
export function registerOpsRoutes(app: FastifyInstance, { store, plugins, metrics, accepting, poller, sandbox, degraded }: OpsRouteDeps): void {
  app.get(
    '/healthz',
    { schema: { summary: 'The process is up', tags: TAGS, response: { 200: { description: 'Up', type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } } },
    async () => ({ status: 'ok' }),
  );

  const readyResponses = { 200: { description: 'Ready', ...readySchema }, 503: { description: 'Not ready, with the reason', ...readySchema } };
  app.get('/readyz', { schema: { summary: "Store open, plugins loaded, not stopping; 200 with status 'degraded' while job-history polling fails", tags: TAGS, response: readyResponses } }, async (_request, reply) => {
    const list = plugins.list();
    const summary = { active: list.filter((p) => p.state === 'active').length, failed: list.filter((p) => p.state === 'failed').length, total: list.length };
    if (!accepting()) return reply.code(503).send({ status: 'stopping', plugins: summary });
    const writeError = store.writeError();
    if (writeError !== null) return reply.code(503).send({ status: 'unavailable', store: 'STORE_WRITE_FAILED', reason: writeError, plugins: summary });
    try {
      const queue = await store.queueDepth();
      const polling = poller?.status();
      // Pushed events are still taken and dispatched while polling fails: degraded, yet ready (200).
      const poll = polling && { state: polling.state, healthy: polling.healthy, lastError: polling.lastError, held: polling.open.held };
      const reason = degraded?.() ?? null;
      const status = (polling && !polling.healthy) || reason !== null ? 'degraded' : 'ready';
      return { status, ...(reason !== null ? { reason } : {}), store: 'open', queue, plugins: summary, ...(poll ? { poller: poll } : {}), sandboxMemory: sandbox?.() ?? null };
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
