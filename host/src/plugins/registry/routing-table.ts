import type { PluginInstance } from './plugin-instance.js';

/** One handler of one loaded plugin version that an event's job type routes to. */
export interface Route {
  readonly instance: PluginInstance;
  readonly handler: string;
}

/** Job-type GUID (lower-case) → routes. Rebuilt whole and swapped in one assignment. */
export type RoutingTable = ReadonlyMap<string, readonly Route[]>;

/** Builds the table for the given active versions, in a stable (plugin id, handler) order. */
export function buildRoutingTable(instances: Iterable<PluginInstance>): RoutingTable {
  const table = new Map<string, Route[]>();
  const sorted = [...instances].sort((a, b) => a.id.localeCompare(b.id));
  for (const instance of sorted) {
    for (const [handler, jobTypes] of instance.handlers) {
      for (const guid of jobTypes) {
        const routes = table.get(guid) ?? [];
        routes.push({ instance, handler });
        table.set(guid, routes);
      }
    }
  }
  return table;
}
