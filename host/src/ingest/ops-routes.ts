import type { FastifyInstance } from 'fastify';
import type { PollerStatusSource } from '../poller/poller-routes.js';
import type { MemoryEnforcement } from '../sandbox/plugin-sandbox.js';
import type { EventStore } from '../store/event-store.js';
import { OPENAPI_DOCUMENT } from './openapi-document.js';
import type { ServicePlugins } from './plugin-routes.js';
import type { ServiceMetrics } from './service-metrics.js';

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

/** /healthz, /readyz, /metrics and /openapi.json: unauthenticated, for probes and scrapers. */
export function registerOpsRoutes(app: FastifyInstance, { store, plugins, metrics, accepting, poller, sandbox, degraded }: OpsRouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
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

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  app.get('/openapi.json', async () => OPENAPI_DOCUMENT);
}
