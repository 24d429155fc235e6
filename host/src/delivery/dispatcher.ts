import { randomUUID } from 'node:crypto';
import type { HostLogger } from '../logging/logger.js';
import type { Route } from '../plugins/registry/routing-table.js';
import type { EventText } from '../store/event-text.js';
import type { HandlerOutcome } from '../store/handler-outcome.js';
import { normalizeEvent } from '../sources/normalize-event.js';
import type { WireEvent } from '@jobhook/sdk/contract';

/** Where the dispatcher finds handlers for a job type. */
export interface RouteSource {
  routes(jobTypeId: string): readonly Route[];
}

/** The result of dispatching one event. */
export interface DispatchResult {
  readonly event: WireEvent;
  readonly outcomes: readonly HandlerOutcome[];
}

/**
 * Event → matching handlers → outcomes. Handlers of different plugins run
 * concurrently; each plugin's limits apply inside its instance.
 */
export class Dispatcher {
  constructor(
    private readonly source: RouteSource,
    private readonly logger: HostLogger,
  ) {}

  /** Validates `input` (throws EventValidationError) and runs every matching handler once. */
  async dispatch(input: unknown): Promise<DispatchResult> {
    const event = normalizeEvent(input);
    return { event, outcomes: await this.dispatchValid(event) };
  }

  /** Runs every handler matching an already normalised event. */
  async dispatchValid(event: WireEvent): Promise<HandlerOutcome[]> {
    const routes = this.source.routes(event.jobTypeId);
    if (routes.length === 0) {
      this.logger.debug({ jobId: event.jobId, jobTypeId: event.jobTypeId }, 'no handler matches the job type');
      return [];
    }
    const text: EventText = { jobId: event.jobId, jobTypeId: event.jobTypeId, eventJson: JSON.stringify(event) };
    return Promise.all(routes.map((route) => this.invokeRoute(route, text)));
  }

  /** Runs one route's handler on an event's JSON text (handed to the sandbox as it is), and logs its outcome. */
  async invokeRoute(route: Route, event: EventText): Promise<HandlerOutcome> {
    const { instance, handler } = route;
    const invocationId = randomUUID();
    const started = performance.now();
    const result = await instance.invoke(handler, event.jobId, event.eventJson, invocationId);
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const outcome: HandlerOutcome = {
      plugin: instance.id,
      version: instance.version,
      handler,
      outcome: result.outcome,
      durationMs,
      invocationId,
      ...('error' in result ? { error: { code: result.error.code, message: result.error.message } } : {}),
      ...(result.logs ? { logs: result.logs } : {}),
    };
    const fields = { plugin: outcome.plugin, version: outcome.version, handler, jobId: event.jobId, invocationId, outcome: outcome.outcome, durationMs };
    if (outcome.outcome === 'succeeded') this.logger.info(fields, 'handler succeeded');
    else this.logger.warn({ ...fields, error: outcome.error }, `handler ${outcome.outcome}`);
    return outcome;
  }
}
