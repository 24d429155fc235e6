import type { FastifyInstance } from 'fastify';
import { JobHookError } from '../errors.js';
import type { PluginChange } from '../registry/plugin-registry.js';
import type { PluginInstance } from '../registry/plugin-instance.js';
import type { PluginStatus } from '../registry/plugin-state.js';
import type { Route } from '../registry/routing-table.js';
import type { EventStore } from '../store/event-store.js';
import type { OutcomeCounts, ServiceMetrics } from './service-metrics.js';

/** What the service needs of the plugin registry. */
export interface ServicePlugins {
  routes(jobTypeId: string): readonly Route[];
  list(): PluginStatus[];
  instance(id: string): PluginInstance | undefined;
  /** Reloads the plugin from its folder and lifts a quarantine. */
  enable(id: string): Promise<PluginChange>;
  /** Stops routing events to the plugin until `enable`. */
  disable(id: string): void;
  isDisabled(id: string): boolean;
}

/** One plugin as `GET /v1/plugins` shows it. */
export interface PluginView extends PluginStatus {
  /** The admin disabled it (`POST /v1/plugins/:id/disable`); it gets no events until enabled. */
  readonly disabled: boolean;
  /** Every job-type GUID its handlers run for. */
  readonly jobTypes: readonly string[];
  /** Invocations by outcome since the service started. */
  readonly invocations: OutcomeCounts;
}

interface PluginRouteDeps {
  readonly plugins: ServicePlugins;
  readonly store: EventStore;
  readonly metrics: ServiceMetrics;
}

function view(p: PluginStatus, plugins: ServicePlugins, metrics: ServiceMetrics): PluginView {
  return { ...p, disabled: plugins.isDisabled(p.id), jobTypes: [...new Set(p.handlers.flatMap((h) => h.jobTypes))], invocations: metrics.invocations(p.id) };
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** GET /v1/plugins[/:id], POST /v1/plugins/:id/disable|enable. */
export function registerPluginRoutes(app: FastifyInstance, { plugins, store, metrics }: PluginRouteDeps): void {
  const find = (id: string): PluginStatus => {
    const found = plugins.list().find((p) => p.id === id);
    if (!found) throw new JobHookError('PLUGIN_NOT_FOUND', `no plugin with id '${id}'; GET /v1/plugins lists them`, id);
    return found;
  };

  app.get('/v1/plugins', async () => ({ plugins: plugins.list().map((p) => view(p, plugins, metrics)) }));

  app.get<{ Params: { id: string } }>('/v1/plugins/:id', { schema: { params: idParams } }, async (request) => view(find(request.params.id), plugins, metrics));

  app.post<{ Params: { id: string } }>('/v1/plugins/:id/disable', { schema: { params: idParams } }, async (request) => {
    const { id } = find(request.params.id);
    // Stored first: a disable the store could not keep would silently undo itself at the next start.
    await store.setPluginDisabled(id, true);
    plugins.disable(id);
    request.log.info({ plugin: id }, `plugin ${id} disabled by an admin`);
    return view(find(id), plugins, metrics);
  });

  app.post<{ Params: { id: string } }>('/v1/plugins/:id/enable', { schema: { params: idParams } }, async (request) => {
    const { id } = find(request.params.id);
    await store.setPluginDisabled(id, false);
    const change = await plugins.enable(id);
    request.log.info({ plugin: id, change: change.kind }, `plugin ${id} enabled by an admin`);
    return view(find(id), plugins, metrics);
  });
}
