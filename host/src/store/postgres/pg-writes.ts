import type { Pool } from 'pg';
import { StoreError } from '../store-error.js';
import type { GroupResult } from './commit-group.js';
import { CHANNELS } from './pg-notifier.js';
import { keyReusedMessage, type AppendRow } from '../append-row.js';
import type { DeliveryWrite } from '../delivery-write.js';

// Inserts rows of `$1`…`$6` (rowParams), skipping a taken idempotency key; `ins` returns the ids inserted.
const INSERT_EVENTS = `ins AS (
       INSERT INTO events (id, idempotency_key, job_id, job_type_id, event_json, status, attempts, accepted_at)
       SELECT t.id, t.k, t.job, t.jt, t.js, 'pending', 0, t.at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS t(id, k, job, jt, js, at, n)
       ORDER BY t.n
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id)`;

const rowParams = (ops: readonly AppendRow[]): unknown[] => [ops.map((o) => o.id), ops.map((o) => o.key), ops.map((o) => o.jobId), ops.map((o) => o.jobTypeId), ops.map((o) => o.json), ops.map((o) => o.at)];

/** The events first stored under the keys of `ops` that were not inserted: key → id and JSON text. */
async function firstByKey(pool: Pool, ops: readonly AppendRow[], inserted: ReadonlySet<string>): Promise<Map<string, { id: string; json: string }>> {
  const taken = ops.filter((o) => !inserted.has(o.id)).map((o) => o.key!);
  const first = new Map<string, { id: string; json: string }>();
  if (taken.length === 0) return first;
  const found = await pool.query<{ idempotency_key: string; id: string; event_json: string }>('SELECT idempotency_key, id, event_json FROM events WHERE idempotency_key = ANY($1::text[])', [taken]);
  for (const r of found.rows) first.set(r.idempotency_key, { id: r.id, json: r.event_json });
  return first;
}

/**
 * Inserts a group of appends in one statement (one commit), and wakes the other hosts' dispatchers
 * in the same commit (a NOTIFY is delivered when its transaction commits, and only then). An append
 * whose idempotency key is taken resolves to the first event, or is refused if its event differs.
 */
export async function commitAppends(pool: Pool, hostId: string, ops: readonly AppendRow[]): Promise<Array<GroupResult<{ id: string; created: boolean }>>> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH ${INSERT_EVENTS},
     woke AS (SELECT pg_notify('${CHANNELS.events}', $7))
     SELECT ins.id FROM ins LEFT JOIN woke ON true`,
    [...rowParams(ops), hostId],
  );
  const inserted = new Set(rows.map((r) => r.id));
  const first = await firstByKey(pool, ops, inserted);
  return ops.map((o) => {
    if (inserted.has(o.id)) return { ok: true, value: { id: o.id, created: true } };
    const f = first.get(o.key!);
    if (f && f.json === o.json) return { ok: true, value: { id: f.id, created: false } };
    const msg = f
      ? keyReusedMessage(o.key!, f.id)
      : `the Idempotency-Key '${o.key}' is in use by an event being removed; try again`;
    return { ok: false, error: new StoreError('IDEMPOTENCY_KEY_REUSED', msg) };
  });
}

/**
 * Records a group of outcomes and completions (of events and of replays) in one statement. A second
 * outcome for the same (event, plugin, handler, replay) is dropped by the primary key, whichever
 * host sends it.
 */
export async function commitDeliveries(pool: Pool, ops: readonly DeliveryWrite[]): Promise<Array<GroupResult<undefined>>> {
  const outcomes = ops.filter((o): o is Extract<DeliveryWrite, { kind: 'outcome' }> => o.kind === 'outcome');
  const completes = ops.filter((o): o is Extract<DeliveryWrite, { kind: 'complete' }> => o.kind === 'complete');
  const replays = ops.filter((o): o is Extract<DeliveryWrite, { kind: 'completeReplay' }> => o.kind === 'completeReplay');
  await pool.query(
    `WITH o AS (
       INSERT INTO outcomes (event_id, plugin, handler, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at, replay, log_json)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::int[], $11::bigint[], $14::int[], $15::text[])
       ON CONFLICT DO NOTHING),
     c AS (
       UPDATE events e SET status = 'done', completed_at = t.at, lease_owner = NULL, lease_expires = NULL
       FROM unnest($12::text[], $13::bigint[]) AS t(id, at)
       WHERE e.id = t.id AND e.status <> 'done'),
     r AS (
       UPDATE replays r SET status = 'done', completed_at = t.at, lease_owner = NULL, lease_expires = NULL
       FROM unnest($16::text[], $17::int[], $18::bigint[]) AS t(id, n, at)
       WHERE r.event_id = t.id AND r.replay = t.n AND r.status <> 'done')
     SELECT 1`,
    [
      outcomes.map((o) => o.eventId),
      outcomes.map((o) => o.plugin),
      outcomes.map((o) => o.handler),
      outcomes.map((o) => o.version),
      outcomes.map((o) => o.outcome),
      outcomes.map((o) => o.durationMs),
      outcomes.map((o) => o.invocationId),
      outcomes.map((o) => o.errorCode),
      outcomes.map((o) => o.errorMessage),
      outcomes.map((o) => o.attempt),
      outcomes.map((o) => o.at),
      completes.map((o) => o.eventId),
      completes.map((o) => o.at),
      outcomes.map((o) => o.replay),
      outcomes.map((o) => o.logJson),
      replays.map((o) => o.eventId),
      replays.map((o) => o.replay),
      replays.map((o) => o.at),
    ],
  );
  return ops.map(() => ({ ok: true, value: undefined }));
}

/**
 * Stores a pull source's events and moves its cursor in one statement (one transaction: both or
 * neither). A key already stored is a row read again: its first event stands, whatever it maps to
 * now. Several hosts polling the same source store each row once; a cursor one host moves back is
 * only a re-read.
 */
export async function commitPolled(
  pool: Pool,
  hostId: string,
  source: string,
  ops: readonly AppendRow[],
  cursor: string | null,
): Promise<Array<{ id: string; created: boolean }>> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH ${INSERT_EVENTS},
     cur AS (
       INSERT INTO poll_cursors (source, cursor, updated_at) SELECT $8, $9, $10 WHERE $9::text IS NOT NULL
       ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at),
     woke AS (SELECT pg_notify('${CHANNELS.events}', $7))
     SELECT ins.id FROM ins LEFT JOIN woke ON true`,
    [...rowParams(ops), hostId, source, cursor, Date.now()],
  );
  const inserted = new Set(rows.map((r) => r.id));
  const first = await firstByKey(pool, ops, inserted);
  return ops.map((o) => (inserted.has(o.id) ? { id: o.id, created: true } : { id: first.get(o.key!)?.id ?? o.id, created: false }));
}
