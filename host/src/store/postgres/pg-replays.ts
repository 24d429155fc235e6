import type { Pool } from 'pg';
import type { ClaimedReplay, ReplayCandidateQuery, ReplayClaimFilter, ReplayRecord, ReplayRequest } from '../event-store.js';
import { StoreError } from '../store-error.js';
import { CHANNELS } from './pg-notifier.js';
import { leasedClaimSql, recordedBy } from './pg-claims.js';
import { REPLAY_COLUMNS, toReplay, type ReplayRow } from '../event-rows.js';

/**
 * Stores replay requests in one transaction, numbering each one above its event's latest replay.
 * The events' rows are locked first, so two hosts asking for replays of one event at the same time
 * number them one after the other instead of colliding; an unknown event stores nothing. The commit
 * NOTIFYs the other hosts, whose dispatchers may be the ones with the plugin.
 */
export async function insertReplays(pool: Pool, hostId: string, requests: readonly ReplayRequest[], at: number): Promise<ReplayRecord[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const ids = [...new Set(requests.map((r) => r.eventId))].sort();
      const { rows: found } = await client.query<{ id: string }>('SELECT id FROM events WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids]);
      const known = new Set(found.map((r) => r.id));
      const missing = ids.find((id) => !known.has(id));
      if (missing !== undefined) throw new StoreError('STORE_NOT_FOUND', `no event with id '${missing}' (unknown, or pruned by retention)`);
      const { rows } = await client.query<ReplayRow>(
        `WITH t AS (
           SELECT t.event_id, t.plugin, t.handler, t.n,
                  COALESCE((SELECT max(r.replay) FROM replays r WHERE r.event_id = t.event_id), 0)
                    + row_number() OVER (PARTITION BY t.event_id ORDER BY t.n) AS replay
           FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(event_id, plugin, handler, n)),
         ins AS (
           INSERT INTO replays (event_id, replay, plugin, handler, status, requested_at)
           SELECT event_id, replay, plugin, handler, 'pending', $4 FROM t ORDER BY n
           RETURNING ${REPLAY_COLUMNS}),
         woke AS (SELECT pg_notify('${CHANNELS.events}', $5))
         SELECT ins.* FROM ins LEFT JOIN woke ON true`,
        [requests.map((r) => r.eventId), requests.map((r) => r.plugin), requests.map((r) => r.handler), at, hostId],
      );
      await client.query('COMMIT');
      // RETURNING gives no order: back in the order asked (an event's requests were numbered in that order).
      const byKey = new Map(rows.map((r) => [`${r.event_id}\u0000${r.replay}`, r]));
      const next = new Map<string, number>();
      for (const r of rows) next.set(r.event_id, Math.min(next.get(r.event_id) ?? r.replay, r.replay));
      return requests.map((req) => {
        const n = next.get(req.eventId)!;
        next.set(req.eventId, n + 1);
        return toReplay(byKey.get(`${req.eventId}\u0000${n}`)!);
      });
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    client.release();
  }
}

/**
 * Claims up to `limit` replays, oldest first, like events: `FOR UPDATE SKIP LOCKED`, stamped with
 * this host and a lease, and taking replays whose lease ran out. A replay therefore runs on one host
 * at a time; if its host dies the next host runs only the handlers with no outcome under its number.
 */
export async function claimReplayRows(
  claimPool: Pool,
  pool: Pool,
  opts: { hostId: string; leaseMs: number; limit: number; filter?: ReplayClaimFilter; at: number },
): Promise<ClaimedReplay[]> {
  const { rows } = await claimPool.query<{ id: string; event_id: string; replay: number; plugin: string; handler: string | null; attempts: number }>(
    leasedClaimSql('replays', 'q.id, q.event_id, q.replay, q.plugin, q.handler, q.attempts'),
    [opts.limit, opts.filter ? [...opts.filter.pluginIds] : null, opts.hostId, opts.leaseMs],
  );
  if (rows.length === 0) return [];
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const eventIds = [...new Set(rows.map((r) => r.event_id))];
  const { rows: events } = await pool.query<{ id: string; job_id: string; job_type_id: string; event_json: string }>(
    'SELECT id, job_id, job_type_id, event_json FROM events WHERE id = ANY($1::text[])',
    [eventIds],
  );
  const stored = new Map(events.map((e) => [e.id, e]));
  const again = rows.filter((r) => r.attempts > 1);
  let recorded = new Map<string, Set<string>>();
  if (again.length > 0) {
    const { rows: done } = await pool.query<{ event_id: string; replay: number; plugin: string; handler: string }>(
      `SELECT o.event_id, o.replay, o.plugin, o.handler FROM outcomes o
       JOIN unnest($1::text[], $2::int[]) AS t(id, n) ON o.event_id = t.id AND o.replay = t.n`,
      [again.map((r) => r.event_id), again.map((r) => r.replay)],
    );
    recorded = recordedBy(done, (o) => `${o.event_id}\u0000${o.replay}`);
  }
  // Their event was pruned since the request: nothing left to run.
  const gone = rows.filter((r) => !stored.has(r.event_id));
  if (gone.length > 0) {
    await pool.query(
      `UPDATE replays SET status = 'done', completed_at = $2, lease_owner = NULL, lease_expires = NULL WHERE id = ANY($1::bigint[])`,
      [gone.map((r) => r.id), opts.at],
    );
  }
  return rows
    .filter((r) => stored.has(r.event_id))
    .map((r) => {
      const event = stored.get(r.event_id)!;
      return {
        eventId: r.event_id,
        replay: r.replay,
        plugin: r.plugin,
        handler: r.handler,
        attempts: r.attempts,
        jobId: event.job_id,
        jobTypeId: event.job_type_id,
        eventJson: event.event_json,
        recorded: recorded.get(`${r.event_id}\u0000${r.replay}`) ?? new Set<string>(),
      };
    });
}

/** The (event, handler) pairs of a plugin whose latest outcome since a time is one of `outcomes`, oldest first. */
export async function findReplayCandidates(pool: Pool, query: ReplayCandidateQuery): Promise<ReplayRequest[]> {
  if (query.outcomes.length === 0) return [];
  const { rows } = await pool.query<{ event_id: string; handler: string }>(
    `SELECT o.event_id, o.handler FROM outcomes o
     WHERE o.plugin = $1 AND o.recorded_at >= $2 AND o.outcome = ANY($3::text[])
       AND o.replay = (SELECT max(x.replay) FROM outcomes x WHERE x.event_id = o.event_id AND x.plugin = o.plugin AND x.handler = o.handler)
       AND NOT EXISTS (SELECT 1 FROM replays r WHERE r.event_id = o.event_id AND r.plugin = o.plugin AND (r.handler IS NULL OR r.handler = o.handler) AND r.status <> 'done')
     ORDER BY o.recorded_at, o.event_id, o.handler LIMIT $4`,
    [query.plugin, query.since.getTime(), [...query.outcomes], Math.max(1, query.limit)],
  );
  return rows.map((r) => ({ eventId: r.event_id, plugin: query.plugin, handler: r.handler }));
}
