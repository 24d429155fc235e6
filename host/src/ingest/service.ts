import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HostConfig } from '../config.js';
import type { CredentialProvider } from '../egress/credentials/credential-provider.js';
import { describeError, JobHookError } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';
import { createPoller } from '../poller/create-poller.js';
import { pollerMetrics } from '../poller/poller-metrics.js';
import { registerPollerRoutes } from '../poller/poller-routes.js';
import type { EventStore } from '../store/event-store.js';
import { DEFAULT_RETENTION_MS, RetentionSweeper } from '../store/retention.js';
import { registerOpenApi } from '../api-schemas/register-openapi.js';
import { registerConsoleRoutes } from '../console/console-routes.js';
import { registerEventStreamRoutes } from '../live/event-stream-routes.js';
import { LiveFeed } from '../live/live-feed.js';
import { registerReplayRoutes } from '../replay/replay-routes.js';
import { BearerAuth } from './bearer-auth.js';
import { EventPump } from './event-pump.js';
import { registerEventRoutes } from './event-routes.js';
import { installErrorHandling, sendError } from './http-errors.js';
import { assertSafeListen, parseListen } from './listen-address.js';
import { LastFailures } from './last-failures.js';
import { registerOpsRoutes } from './ops-routes.js';
import type { MemoryEnforcement } from '../sandbox/plugin-sandbox.js';
import { registerPluginRoutes, type ServicePlugins } from './plugin-routes.js';
import { ServiceMetrics } from './service-metrics.js';

/** What `startService` takes. The caller owns `host` and `store` and closes them after the service. */
export interface ServiceOptions {
  readonly host: { readonly registry: ServicePlugins; readonly config: HostConfig; sandboxEnforcement?(): MemoryEnforcement | null };
  readonly store: EventStore;
  readonly logger: HostLogger;
  /** Default `host.config.listen`; port 0 picks a free port. */
  readonly listen?: string;
  /** Bearer token for /v1 routes; default `host.config.apiToken`. */
  readonly token?: string | null;
  /** Allow a non-loopback listen address without a token. */
  readonly insecure?: boolean;
  /** Pass one in to count plugin changes from `createHost`'s `onPluginChange` too. */
  readonly metrics?: ServiceMetrics;
  readonly retentionMs?: number;
  /** Largest request body accepted (413 beyond). Default 64 KiB: an event is well under 1 KiB. */
  readonly bodyLimitBytes?: number;
  /** How long `close` lets dispatches in flight finish. Default 10 s. */
  readonly shutdownDeadlineMs?: number;
  /** Events dispatched at once. Default 64. */
  readonly dispatchConcurrency?: number;
  /** A request not fully received this long after it began gets 408 and is closed. Default `host.config.api.requestTimeoutMs`. */
  readonly requestTimeoutMs?: number;
  /** Run the job-history poller whatever `platform.poll.enabled` says (`serve --poll`). */
  readonly poll?: boolean;
  /**
   * The host's platform credentials (its egress gateway's), for the poller: one OAuth token per host,
   * renewed once for all when the platform refuses it. Without them the poller builds its own.
   */
  readonly platformCredentials?: CredentialProvider;
  /** More routes to serve (behind the same token), e.g. the cluster's. */
  readonly extraRoutes?: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Why this host is degraded (`/readyz` says so, still ready), or null. */
  readonly degraded?: () => string | null;
}

/** The running HTTP API with its dispatcher loop (design §1 `ingest`). */
export interface Service {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly metrics: ServiceMetrics;
  /**
   * Stops accepting, lets dispatches in flight finish up to the deadline, stops the retention timer.
   * Then close the host and the store. Events not finished run after the next start. Idempotent.
   */
  close(): Promise<void>;
}

/** Job types of the plugins this host has loaded (what it can serve from a shared queue). */
function servedJobTypes(plugins: ServicePlugins): string[] {
  return [...new Set(plugins.list().flatMap((p) => (p.state === 'active' ? p.handlers.flatMap((h) => h.jobTypes) : [])))];
}

/** Plugins this host has active (whose replays it can run from a shared queue). */
function servedPlugins(plugins: ServicePlugins): string[] {
  return plugins.list().filter((p) => p.state === 'active').map((p) => p.id);
}

/** Starts the HTTP API and the dispatcher loop over `store`. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { host, store, logger } = options;
  const plugins = host.registry;
  const address = parseListen(options.listen ?? host.config.listen);
  const token = options.token === undefined ? host.config.apiToken : options.token;
  assertSafeListen(address, token, options.insecure === true);
  const metrics = options.metrics ?? new ServiceMetrics();
  metrics.attach({ plugins, store });

  for (const id of await store.disabledPlugins()) plugins.disable(id);
  const feed = new LiveFeed();
  const failures = new LastFailures();
  const pump = new EventPump({
    store,
    routes: plugins,
    logger,
    concurrency: options.dispatchConcurrency,
    // Hosts sharing a store claim only what they have plugins for; the others' events (and replays) wait for them.
    ...(store.shared ? { claimFilter: () => ({ jobTypeIds: servedJobTypes(plugins) }), replayClaimFilter: () => ({ pluginIds: servedPlugins(plugins) }) } : {}),
    observer: {
      outcome: (o) => {
        metrics.handlerOutcome(o);
        failures.observe(o);
      },
      recorded: (eventId, o, replay) => feed.outcome(eventId, o, replay),
      dispatched: (eventId) => {
        metrics.eventDispatched();
        feed.done(eventId);
      },
    },
  });
  // A second event source beside the intake: it appends to the store and wakes the pump, nothing more.
  const pollConfig = options.poll ? { ...host.config, platform: { ...host.config.platform, poll: { ...host.config.platform.poll, enabled: true } } } : host.config;
  const poller = createPoller({
    config: pollConfig,
    store,
    logger,
    onStored: () => pump.wake(),
    observer: (lag) => pollerMetrics(metrics.registry, lag),
    ...(options.platformCredentials ? { credentials: options.platformCredentials } : {}),
  });
  const sweeper = new RetentionSweeper(store, options.retentionMs ?? DEFAULT_RETENTION_MS, logger, (n) => metrics.eventsPruned(n));
  let accepting = true;

  // Fastify's default is no limit, so a client that sends headers and then a body that never ends
  // holds a connection (and its parser) forever. Node checks the deadline every
  // `connectionsCheckingInterval` (30 s by default); a quarter of the timeout keeps the cut close to it.
  const requestTimeout = options.requestTimeoutMs ?? host.config.api?.requestTimeoutMs ?? 30_000;
  const serverOptions = {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(requestTimeout / 4))),
  };
  const app: FastifyInstance = fastify({
    serverFactory: (handler) => createServer(serverOptions, handler),
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    forceCloseConnections: 'idle',
    // A field or query parameter the schema does not know is refused, not silently dropped: a typo
    // in a replay selection must not widen what runs again.
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
  });
  installErrorHandling(app, logger);
  if (token !== null) {
    const auth = new BearerAuth(token);
    app.addHook('onRequest', async (request, reply) => {
      // By the matched route and by the raw path, so no spelling of a /v1 URL slips past.
      const rawPath = request.url.split('?', 1)[0]!;
      const v1 = (request.routeOptions.url ?? '').startsWith('/v1/') || rawPath === '/v1' || rawPath.startsWith('/v1/');
      if (!v1) return;
      const result = auth.check(request.headers.authorization);
      if (result === 'ok') return;
      reply.header('www-authenticate', `Bearer realm="jobhook"${result === 'invalid' ? ', error="invalid_token"' : ''}`);
      return result === 'missing'
        ? sendError(reply, 401, 'AUTH_REQUIRED', 'this host requires "Authorization: Bearer <token>" (the JOBHOOK_TOKEN it was started with)')
        : sendError(reply, 401, 'AUTH_INVALID', 'the bearer token is not the one this host was started with');
    });
  }

  // Another host's commit may be new events or replay requests (one channel for both): claim either.
  const unwatchAppends = store.onForeignAppend?.(() => pump.wakeReplays());
  try {
    // The document is generated from the routes' schemas: registered before any route.
    await registerOpenApi(app);
    registerEventRoutes(app, { store, pump, metrics, onAccepted: (id, event) => feed.accepted(id, event) });
    registerPluginRoutes(app, { plugins, store, metrics, failures });
    registerReplayRoutes(app, {
      store,
      routes: plugins,
      pluginIds: () => plugins.list().map((p) => p.id),
      pluginRouted: (id) => !plugins.isDisabled(id) && plugins.list().some((p) => p.id === id && p.state === 'active'),
      wake: () => pump.wakeReplays(),
    });
    registerEventStreamRoutes(app, feed);
    registerPollerRoutes(app, poller);
    registerOpsRoutes(app, { store, plugins, metrics, accepting: () => accepting, poller, sandbox: () => host.sandboxEnforcement?.() ?? null, degraded: options.degraded });
    for (const register of options.extraRoutes ?? []) register(app);
    await registerConsoleRoutes(app);
    await pump.start();
    sweeper.start();
    poller?.start();
    try {
      await app.listen({ host: address.host, port: address.port });
    } catch (e) {
      const hint = (e as { code?: string }).code === 'EADDRINUSE' ? ' (is another jobhook serve running? choose another --listen)' : '';
      throw new JobHookError('SERVE_LISTEN_FAILED', `cannot listen on ${address.host}:${address.port}: ${(e as Error).message}${hint}`, undefined, { cause: e });
    }
  } catch (e) {
    feed.close();
    unwatchAppends?.();
    await poller?.dispose();
    await pump.stop(0);
    await sweeper.dispose();
    await app.close();
    throw e;
  }
  const bound = app.server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info({ url, auth: token !== null ? 'bearer' : 'none' }, `HTTP API listening on ${url}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      accepting = false;
      unwatchAppends?.();
      // The poller first: whatever it is committing lands before the store is closed after us.
      await poller?.dispose();
      const deadlineMs = options.shutdownDeadlineMs ?? 10_000;
      const pumpStopped = pump.stop(deadlineMs);
      // Open live streams end first: the server closes only once every connection has.
      feed.close();
      try {
        await app.close();
      } catch (e) {
        logger.error({ error: describeError(e) }, 'closing the HTTP server failed');
      }
      const unfinished = await pumpStopped;
      await sweeper.dispose();
      if (unfinished > 0) logger.warn({ unfinished, deadlineMs }, `${unfinished} event(s) still dispatching at the shutdown deadline will be dispatched again after the next start`);
    })());
  return { url, port: bound.port, metrics, close };
}
