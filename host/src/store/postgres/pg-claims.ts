// What claiming events and claiming replays share on PostgreSQL: the leased claim itself, and
// gathering the handlers already recorded for what was claimed again.
import { outcomeKey } from '../event-store.js';

/** The queues a host claims from, each with its order key and the column its filter narrows. */
const QUEUES = {
  events: { key: 'seq', filter: 'job_type_id' },
  replays: { key: 'id', filter: 'plugin' },
} as const;

/**
 * The claim statement of one queue: its oldest rows that are pending, or whose lease ran out (their
 * host died), locked `FOR UPDATE SKIP LOCKED` so hosts claiming at once never wait on each other nor
 * take the same row, moved to `dispatching` and stamped with this host and a lease. Parameters: $1
 * the limit, $2 the filter's values (null: all), $3 the host id, $4 the lease in ms. `returning`
 * names the claimed row's columns, each qualified `q.`.
 */
export function leasedClaimSql(queue: keyof typeof QUEUES, returning: string): string {
  const { key, filter } = QUEUES[queue];
  return `WITH c AS (
       SELECT ${key} FROM ${queue}
       WHERE status <> 'done' AND (status = 'pending' OR lease_expires < now())
         AND ($2::text[] IS NULL OR ${filter} = ANY($2::text[]))
       ORDER BY ${key} LIMIT $1
       FOR UPDATE SKIP LOCKED)
     UPDATE ${queue} q SET status = 'dispatching', attempts = q.attempts + 1, lease_owner = $3, lease_expires = now() + $4 * interval '1 millisecond'
     FROM c WHERE q.${key} = c.${key}
     RETURNING ${returning}`;
}

/** Recorded outcomes grouped by `keyOf` (an event, or an event's replay), as `outcomeKey`s. */
export function recordedBy<R extends { readonly plugin: string; readonly handler: string }>(rows: readonly R[], keyOf: (row: R) => string): Map<string, Set<string>> {
  const recorded = new Map<string, Set<string>>();
  for (const row of rows) {
    const key = keyOf(row);
    const set = recorded.get(key) ?? new Set<string>();
    set.add(outcomeKey(row.plugin, row.handler));
    recorded.set(key, set);
  }
  return recorded;
}
