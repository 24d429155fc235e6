import type { AddressInfo } from 'node:net';
import { registerOpenApi } from '../api/schemas/register-openapi.js';
import { registerConsoleRoutes } from '../api/console/console-routes.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import { describeError, JobHookError } from '../errors.js';
import { EventPump } from '../delivery/event-pump.js';
import { registerEventRoutes } from '../api/routes/event-routes.js';
import { LastFailures } from '../api/last-failures.js';
import type { ListenAddress } from '../api/listen-address.js';
import { registerOpsRoutes } from '../api/routes/ops-routes.js';
import { registerPluginRoutes, type ServicePlugins } from '../api/routes/plugin-routes.js';
import type { ServiceMetrics } from '../api/metrics/service-metrics.js';
import type { DisposableStore } from '../lifecycle/index.js';
import { registerEventStreamRoutes } from '../api/routes/event-stream-routes.js';
import { LiveFeed } from '../api/live/live-feed.js';
import { createPoller } from '../sources/poller/create-poller.js';
import { pollerMetrics } from '../sources/poller/poller-metrics.js';
import { registerPollerRoutes } from '../api/routes/poller-routes.js';
import { registerReplayRoutes } from '../api/routes/replay-routes.js';
import { DEFAULT_RETENTION_MS, RetentionSweeper } from '../store/retention.js';
import { createApiApp } from './api-app.js';
import type { ServiceOptions } from './service-options.js';

/** What the API is built from: the service's options, with the address already checked and the host's dispatcher. */
export interface ApiParts extends Omit<ServiceOptions, 'listen' | 'token' | 'insecure' | 'metrics'> {
  readonly address: ListenAddress;
  readonly token: string | null;
  readonly metrics: ServiceMetrics;
  /** Runs the handlers of the events the delivery loop claims (the host's own). */
  readonly dispatcher: Dispatcher;
}

/** Job types of the plugins this host has loaded (what it can serve from a shared queue). */
function servedJobTypes(plugins: ServicePlugins): string[] {
  return [...new Set(plugins.list().flatMap((p) => (p.state === 'active' ? p.handlers.flatMap((h) => h.jobTypes) : [])))];
}

/** Plugins this host has active (whose replays it can run from a shared queue). */
function servedPlugins(plugins: ServicePlugins): string[] {
  return plugins.list().filter((p) => p.state === 'active').map((p) => p.id);
}

/**
 * Builds the HTTP API and the delivery loop over `parts.store` into `owner` and starts listening.
 * What is registered, in order: the retention sweeper, the drain (dispatches in flight finish up to
 * the deadline while the server closes), the poller, the foreign-append watch, readiness. Released
 * newest first: readiness says "stopping", the poller's commits land, the drain, then the sweeper.
 * On failure the caller releases `owner`.
 */
export async function buildApi(owner: DisposableStore, parts: ApiParts): Promise<{ url: string; port: number }> {
  const { host, store, logger, metrics, address, token } = parts;
  const plugins = host.registry;
  metrics.attach({ plugins, store });
  for (const id of await store.disabledPlugins()) plugins.disable(id);

  const sweeper = new RetentionSweeper(store, parts.retentionMs ?? DEFAULT_RETENTION_MS, logger, (n) => metrics.eventsPruned(n));
  owner.defer(() => sweeper.dispose());
  const feed = new LiveFeed();
  const failures = new LastFailures();
  const pump = new EventPump({
    store,
    routes: plugins,
    dispatcher: parts.dispatcher,
    logger,
    concurrency: parts.dispatchConcurrency,
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
  const app = createApiApp({ logger, token, bodyLimitBytes: parts.bodyLimitBytes ?? 64 * 1024, requestTimeoutMs: parts.requestTimeoutMs ?? host.config.api?.requestTimeoutMs ?? 30_000 });
  let accepting = true;
  let listening = false;
  owner.defer(async () => {
    // A start-up that failed has nothing worth waiting for: what the loop claimed runs after the next start.
    const deadlineMs = listening ? (parts.shutdownDeadlineMs ?? 10_000) : 0;
    const pumpStopped = pump.stop(deadlineMs);
    // Open live streams end first: the server closes only once every connection has.
    feed.close();
    try {
      await app.close();
    } catch (e) {
      logger.error({ error: describeError(e) }, 'closing the HTTP server failed');
    }
    const unfinished = await pumpStopped;
    if (unfinished > 0) logger.warn({ unfinished, deadlineMs }, `${unfinished} event(s) still dispatching at the shutdown deadline will be dispatched again after the next start`);
  });
  // A second event source beside the intake: it appends to the store and wakes the pump, nothing more.
  const pollConfig = parts.poll ? { ...host.config, platform: { ...host.config.platform, poll: { ...host.config.platform.poll, enabled: true } } } : host.config;
  const poller = createPoller({
    config: pollConfig,
    store,
    logger,
    onStored: () => pump.wake(),
    observer: (lag) => pollerMetrics(metrics.registry, lag),
    ...(parts.platformCredentials ? { credentials: parts.platformCredentials } : {}),
  });
  // Released before the drain: whatever it is committing lands before the store is closed.
  if (poller) owner.defer(() => poller.dispose());
  // Another host's commit may be new events or replay requests (one channel for both): claim either.
  const unwatchAppends = store.onForeignAppend?.(() => pump.wakeReplays());
  if (unwatchAppends) owner.defer(unwatchAppends);
  // Released first of all: /readyz says "stopping" while the rest closes, so traffic moves away.
  owner.defer(() => void (accepting = false));

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
  registerOpsRoutes(app, { store, plugins, metrics, accepting: () => accepting, poller, sandbox: () => host.sandboxEnforcement?.() ?? null, degraded: parts.degraded });
  for (const register of parts.extraRoutes ?? []) register(app);
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
  listening = true;
  const bound = app.server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info({ url, auth: token !== null ? 'bearer' : 'none' }, `HTTP API listening on ${url}`);
  return { url, port: bound.port };
}
