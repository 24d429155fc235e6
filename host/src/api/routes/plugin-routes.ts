import type { FastifyInstance } from 'fastify';
import { BEARER, errorResponses, idParamsSchema, ref, V1_ERRORS } from '../schemas/common-schemas.js';
import { JobHookError } from '../../errors.js';
import type { PluginChange } from '../../plugins/registry/plugin-registry.js';
import type { PluginInstance } from '../../plugins/registry/plugin-instance.js';
import type { PluginStatus } from '../../plugins/registry/plugin-state.js';
import type { Route } from '../../plugins/registry/routing-table.js';
import type { EventStore } from '../../store/event-store.js';
import type { LastFailure, LastFailures } from '../last-failures.js';
import type { OutcomeCounts, ServiceMetrics } from '../metrics/service-metrics.js';

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
  /** Stopped after repeated faults (state `failed`, last error `PLUGIN_QUARANTINED`) until enabled or changed. */
  readonly quarantined: boolean;
  /** Its latest invocation that did not succeed since the service started, or null. */
  readonly lastFailure: LastFailure | null;
}

interface PluginRouteDeps {
  readonly plugins: ServicePlugins;
  readonly store: EventStore;
  readonly metrics: ServiceMetrics;
  readonly failures: LastFailures;
}

function view(p: PluginStatus, { plugins, metrics, failures }: Omit<PluginRouteDeps, 'store'>): PluginView {
  return {
    ...p,
    disabled: plugins.isDisabled(p.id),
    quarantined: p.state === 'failed' && p.lastError?.code === 'PLUGIN_QUARANTINED',
    jobTypes: [...new Set(p.handlers.flatMap((h) => h.jobTypes))],
    invocations: metrics.invocations(p.id),
    lastFailure: failures.of(p.id),
  };
}

const TAGS = ['plugins'];
const onePlugin = (summary: string, ok: string) => ({
  summary,
  tags: TAGS,
  security: BEARER,
  params: idParamsSchema,
  response: { 200: { description: ok, ...ref('Plugin') }, ...errorResponses({ ...V1_ERRORS, 404: 'Unknown plugin' }) },
});

/** GET /v1/plugins[/:id], POST /v1/plugins/:id/disable|enable. */
export function registerPluginRoutes(app: FastifyInstance, deps: PluginRouteDeps): void {
  const { plugins, store } = deps;
  const find = (id: string): PluginStatus => {
    const found = plugins.list().find((p) => p.id === id);
    if (!found) throw new JobHookError('PLUGIN_NOT_FOUND', `no plugin with id '${id}'; GET /v1/plugins lists them`, id);
    return found;
  };

  app.get(
    '/v1/plugins',
    {
      schema: {
        summary: 'Every plugin: state, version, handlers, job types, limits, counters, last error, quarantine',
        tags: TAGS,
        security: BEARER,
        response: { 200: { description: 'Plugins', ...ref('PluginList') }, ...errorResponses(V1_ERRORS) },
      },
    },
    async () => ({ plugins: plugins.list().map((p) => view(p, deps)) }),
  );

  app.get<{ Params: { id: string } }>('/v1/plugins/:id', { schema: onePlugin('One plugin', 'The plugin') }, async (request) => view(find(request.params.id), deps));

  app.post<{ Params: { id: string } }>('/v1/plugins/:id/disable', { schema: onePlugin('Stop routing events to a plugin (kept across restarts)', 'The plugin, now disabled') }, async (request) => {
    const { id } = find(request.params.id);
    // Stored first: a disable the store could not keep would silently undo itself at the next start.
    await store.setPluginDisabled(id, true);
    plugins.disable(id);
    request.log.info({ plugin: id }, `plugin ${id} disabled by an admin`);
    return view(find(id), deps);
  });

  const enableSchema = onePlugin('Reload a plugin from its folder and route to it again; lifts a quarantine', 'The plugin after the reload (state failed + lastError if it still cannot load)');
  app.post<{ Params: { id: string } }>('/v1/plugins/:id/enable', { schema: enableSchema }, async (request) => {
    const { id } = find(request.params.id);
    await store.setPluginDisabled(id, false);
    const change = await plugins.enable(id);
    request.log.info({ plugin: id, change: change.kind }, `plugin ${id} enabled by an admin`);
    return view(find(id), deps);
  });
}
