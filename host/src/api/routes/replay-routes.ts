import type { FastifyInstance } from 'fastify';
import { BEARER, errorResponses, idParamsSchema, ref, V1_ERRORS } from '../schemas/common-schemas.js';
import { REPLAYABLE_OUTCOMES, type Outcome } from '@jobhook/sdk/contract';
import { pluginReplayQuerySchema } from '../schemas/replay-schemas.js';
import type { RouteSource } from '../../delivery/dispatcher.js';
import { JobHookError } from '../../errors.js';
import type { EventStore, ReplayRequest } from '../../store/event-store.js';
import { replayRoutes } from '../../delivery/run-replay.js';

/** What the replay routes need: the store, the routes in force, and the loop to wake. */
export interface ReplayRouteDeps {
  readonly store: EventStore;
  readonly routes: RouteSource;
  /** Ids of plugins the host knows (loaded or not). */
  readonly pluginIds: () => readonly string[];
  /** The plugin has a version in force that events are routed to (active, not disabled, not quarantined). */
  readonly pluginRouted: (id: string) => boolean;
  /** Called once replays are stored, so the dispatcher loop claims them. */
  readonly wake: () => void;
}

const TAGS = ['replay'];
const accepted = { 202: { description: 'Stored; the dispatcher loop runs them and records new outcomes (the first ones are kept)', ...ref('ReplayAccepted') } };

/**
 * POST /v1/job-completions/:id/replay and POST /v1/plugins/:id/replay: run handlers again after a
 * fix. A replay is stored first and run by the dispatcher loop like any event, so it survives a
 * restart and is recorded as a new attempt beside the outcomes it repeats.
 */
export function registerReplayRoutes(app: FastifyInstance, deps: ReplayRouteDeps): void {
  const { store, routes } = deps;

  app.post<{ Params: { id: string }; Body: { plugin?: string; handler?: string } | undefined }>(
    '/v1/job-completions/:id/replay',
    {
      schema: {
        summary: "Run an event's handlers again (one plugin, or one handler of it) with the version in force now",
        tags: TAGS,
        security: BEARER,
        params: idParamsSchema,
        body: ref('EventReplayRequest'),
        response: {
          ...accepted,
          ...errorResponses({ 400: '`handler` without `plugin`, or a bad body', ...V1_ERRORS, 404: 'Unknown event', 409: 'The event is not done yet, or no active handler of the plugin matches its job type' }),
        },
      },
    },
    async (request, reply) => {
      const { plugin, handler } = request.body ?? {};
      if (handler !== undefined && plugin === undefined) throw new JobHookError('REQUEST_INVALID', '`handler` needs `plugin`: name the plugin whose handler to run again');
      const record = await store.get(request.params.id);
      if (!record) throw new JobHookError('EVENT_NOT_FOUND', `no event with id '${request.params.id}' (unknown, or pruned by retention)`);
      if (record.status !== 'done') throw new JobHookError('EVENT_NOT_DONE', `event ${record.id} is ${record.status}: its handlers have not all run yet; replay it once it is done`);
      const plugins = plugin !== undefined ? [plugin] : [...new Set(record.outcomes.map((o) => o.plugin))];
      const requests: ReplayRequest[] = [];
      for (const p of plugins) {
        const selected = replayRoutes(routes, { jobTypeId: record.event.jobTypeId, plugin: p, handler: handler ?? null });
        if (selected.length > 0) requests.push({ eventId: record.id, plugin: p, handler: handler ?? null });
        else if (plugin !== undefined) {
          const what = handler !== undefined ? `handler '${handler}' of plugin '${p}'` : `plugin '${p}'`;
          throw new JobHookError('REPLAY_NO_HANDLER', `${what} has no active handler for job type ${record.event.jobTypeId} (is it disabled, failed, removed, or not routed to this job type?)`, p);
        }
      }
      if (requests.length === 0) throw new JobHookError('REPLAY_NO_HANDLER', `no active plugin handles job type ${record.event.jobTypeId} of event ${record.id} now; nothing to run again`);
      const replays = await store.requestReplays(requests);
      deps.wake();
      request.log.info({ eventId: record.id, replays: replays.map((r) => `${r.plugin}#${r.replay}`) }, `replay of event ${record.id} requested`);
      return reply.code(202).send({ replays });
    },
  );

  app.post<{ Params: { id: string }; Querystring: { since: string; outcome?: Outcome[]; handler?: string; limit?: number } }>(
    '/v1/plugins/:id/replay',
    {
      schema: {
        summary: "Run again every handler of a plugin whose latest outcome since a time failed (failed, error, timeout, crashed)",
        tags: TAGS,
        security: BEARER,
        params: idParamsSchema,
        querystring: pluginReplayQuerySchema,
        response: { ...accepted, ...errorResponses({ 400: 'Missing or bad `since`', ...V1_ERRORS, 404: 'Unknown plugin', 409: 'The plugin has no active handler now' }) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      if (!deps.pluginIds().includes(id)) throw new JobHookError('PLUGIN_NOT_FOUND', `no plugin with id '${id}'; GET /v1/plugins lists them`, id);
      const { since, outcome, handler, limit } = request.query;
      const candidates = await store.replayCandidates({ plugin: id, since: new Date(since), outcomes: outcome ?? REPLAYABLE_OUTCOMES, limit: limit ?? 1000 });
      const chosen = candidates.filter((c) => handler === undefined || c.handler === handler);
      if (chosen.length > 0 && !deps.pluginRouted(id)) {
        throw new JobHookError('REPLAY_NO_HANDLER', `plugin '${id}' has no active handler now (is it disabled or failed?); enable or fix it, then replay`, id);
      }
      const replays = await store.requestReplays(chosen);
      if (replays.length > 0) deps.wake();
      request.log.info({ plugin: id, since, replays: replays.length }, `bulk replay of plugin ${id} requested: ${replays.length} replay(s)`);
      return reply.code(202).send({ replays });
    },
  );
}
