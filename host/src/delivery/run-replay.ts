import type { RouteSource } from './dispatcher.js';
import type { RouteRun } from './event-pump.js';
import type { HostLogger } from '../logging/logger.js';
import type { Route } from '../plugins/registry/routing-table.js';
import { outcomeKey, type ClaimedReplay } from '../store/event-store.js';

/** What running a replay needs from the dispatcher loop. */
export interface ReplayRunDeps {
  readonly routes: RouteSource;
  readonly logger: HostLogger;
  /** Runs one handler and records its outcome under `run.replay` (the loop's own path, retries included). */
  runRoute(run: RouteRun, route: Route): Promise<void>;
}

/** The routes a replay selects today: its plugin's handlers (or the one named) for the event's job type. */
export function replayRoutes(routes: RouteSource, claimed: Pick<ClaimedReplay, 'jobTypeId' | 'plugin' | 'handler'>): Route[] {
  return routes.routes(claimed.jobTypeId).filter((r) => r.instance.id === claimed.plugin && (claimed.handler === null || r.handler === claimed.handler));
}

/**
 * Runs a claimed replay: the selected handlers of the plugin's version in force now (the fixed one),
 * skipping those already recorded under this replay number (a replay interrupted by a restart never
 * runs a handler twice). A plugin that no longer routes the event's job type ends the replay empty.
 */
export async function runReplay(claimed: ClaimedReplay, deps: ReplayRunDeps): Promise<void> {
  const routes = replayRoutes(deps.routes, claimed).filter((r) => !claimed.recorded.has(outcomeKey(r.instance.id, r.handler)));
  if (routes.length === 0 && claimed.recorded.size === 0) {
    deps.logger.warn(
      { eventId: claimed.eventId, plugin: claimed.plugin, handler: claimed.handler ?? undefined, replay: claimed.replay },
      `replay ${claimed.replay} of event ${claimed.eventId} ran nothing: plugin '${claimed.plugin}' has no active handler for job type ${claimed.jobTypeId} now (disabled, removed or failed?)`,
    );
  }
  const run: RouteRun = { eventId: claimed.eventId, event: claimed, attempts: claimed.attempts, replay: claimed.replay };
  await Promise.all(routes.map((route) => deps.runRoute(run, route)));
}
