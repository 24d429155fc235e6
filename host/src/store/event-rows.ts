// The stored rows of events, outcomes and replays, as the SQL stores read them back, and the records
// the EventStore answers with: one mapping, so the SQLite and PostgreSQL stores cannot drift apart.
import type { Outcome } from './handler-outcome.js';
import type { WireEvent } from '@jobhook/sdk/contract';
import type { InvocationLogs } from './handler-outcome.js';
import type { EventRecord, EventStatus, OutcomeRecord, ReplayRecord } from './event-store.js';

/** Epoch ms as a driver hands it back: a number (SQLite) or the text of a bigint (PostgreSQL). */
export type StoredMs = number | string;

/** An events row. */
export interface EventRow {
  readonly seq: number | string;
  readonly id: string;
  readonly idempotency_key: string | null;
  readonly event_json: string;
  readonly status: EventStatus;
  readonly attempts: number;
  readonly accepted_at: StoredMs;
  readonly completed_at: StoredMs | null;
}

/** An outcomes row. */
export interface OutcomeRow {
  readonly event_id: string;
  readonly plugin: string;
  readonly handler: string;
  readonly version: string;
  readonly outcome: Outcome;
  readonly duration_ms: number;
  readonly invocation_id: string;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly attempts: number;
  readonly recorded_at: StoredMs;
  readonly replay: number;
  readonly log_json: string | null;
}

/** A replays row, as the columns `REPLAY_COLUMNS` name it. */
export interface ReplayRow {
  readonly event_id: string;
  readonly replay: number;
  readonly plugin: string;
  readonly handler: string | null;
  readonly status: EventStatus;
  readonly requested_at: StoredMs;
  readonly completed_at: StoredMs | null;
}

/** The replays columns a `ReplayRow` holds, for SELECT and RETURNING lists. */
export const REPLAY_COLUMNS = 'event_id, replay, plugin, handler, status, requested_at, completed_at';

/** ISO text of a stored time. */
export const isoOf = (ms: StoredMs): string => new Date(Number(ms)).toISOString();

/** An outcome as the store answers it. */
export function toOutcome(r: OutcomeRow): OutcomeRecord {
  return {
    plugin: r.plugin,
    version: r.version,
    handler: r.handler,
    outcome: r.outcome,
    durationMs: r.duration_ms,
    invocationId: r.invocation_id,
    ...(r.error_code !== null ? { error: { code: r.error_code, message: r.error_message ?? '' } } : {}),
    attempts: r.attempts,
    recordedAt: isoOf(r.recorded_at),
    replay: r.replay,
    ...(r.log_json !== null ? { logs: JSON.parse(r.log_json) as InvocationLogs } : {}),
  };
}

/** A replay request as the store answers it. */
export function toReplay(r: ReplayRow): ReplayRecord {
  return {
    eventId: r.event_id,
    replay: r.replay,
    plugin: r.plugin,
    handler: r.handler,
    status: r.status,
    requestedAt: isoOf(r.requested_at),
    completedAt: r.completed_at === null ? null : isoOf(r.completed_at),
  };
}

/** An event with its outcomes and replays (each already in the store's order) as the store answers it. */
export function toEventRecord(row: EventRow, outcomes: readonly OutcomeRow[], replays: readonly ReplayRow[]): EventRecord {
  return {
    id: row.id,
    status: row.status,
    attempts: row.attempts,
    acceptedAt: isoOf(row.accepted_at),
    completedAt: row.completed_at === null ? null : isoOf(row.completed_at),
    idempotencyKey: row.idempotency_key,
    event: JSON.parse(row.event_json) as WireEvent,
    outcomes: outcomes.map(toOutcome),
    replays: replays.map(toReplay),
  };
}
