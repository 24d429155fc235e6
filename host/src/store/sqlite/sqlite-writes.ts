import type { Database } from 'better-sqlite3';
import type { DeliveryWrite } from '../delivery-write.js';
import { keyReusedMessage, type AppendRow } from '../append-row.js';
import { REPLAY_COLUMNS, type ReplayRow } from '../event-rows.js';

/** One write the writer thread runs; every timestamp is taken by the caller (epoch ms). */
export type WriteOp =
  | ({ readonly kind: 'append' } & AppendRow)
  | { readonly kind: 'claim'; readonly limit: number; readonly jobTypeIds?: readonly string[] }
  | DeliveryWrite
  | { readonly kind: 'replays'; readonly requests: ReadonlyArray<{ readonly eventId: string; readonly plugin: string; readonly handler: string | null }>; readonly at: number }
  | { readonly kind: 'claimReplays'; readonly limit: number; readonly at: number }
  | { readonly kind: 'requeue' }
  | { readonly kind: 'prune'; readonly cutoff: number; readonly limit: number }
  | { readonly kind: 'flag'; readonly pluginId: string; readonly disabled: boolean; readonly at: number }
  | { readonly kind: 'poll'; readonly source: string; readonly events: readonly PolledRow[]; readonly cursor: string | null; readonly at: number };

/** One polled event as `appendPolled` hands it to the writer thread (always under a key; inserted at the op's `at`). */
export interface PolledRow extends AppendRow {
  readonly key: string;
}

/** A claimed row as it crosses back from the writer thread. */
export interface ClaimedRow {
  readonly seq: number;
  readonly id: string;
  readonly jobId: string;
  readonly jobTypeId: string;
  readonly eventJson: string;
  readonly attempts: number;
  /** [plugin, handler] of outcomes already recorded (only looked up on a re-dispatch). */
  readonly recorded: ReadonlyArray<readonly [string, string]>;
}

/** A claimed replay as it crosses back from the writer thread. */
export interface ClaimedReplayRow {
  readonly eventId: string;
  readonly replay: number;
  readonly plugin: string;
  readonly handler: string | null;
  readonly attempts: number;
  readonly jobId: string;
  readonly jobTypeId: string;
  readonly eventJson: string;
  readonly recorded: ReadonlyArray<readonly [string, string]>;
}

/** What one write answered: its value, or a refusal that fails only its own caller. */
export type WriteResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly message: string };

/** Refusal of one write, thrown before it wrote anything; the rest of the batch still commits. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs batches of writes, each batch in one transaction (one fsync with synchronous=FULL). Lives in
 * the writer thread; kept free of thread plumbing so the SQL reads as one piece.
 */
export class SqliteWrites {
  private readonly sql;
  private readonly commit: (ops: readonly WriteOp[]) => WriteResult[];

  constructor(db: Database) {
    const prepare = <P extends unknown[], R = unknown>(s: string) => db.prepare<P, R>(s);
    this.sql = {
      insert: prepare<[string, string | null, string, string, string, number]>(
        `INSERT INTO events (id, idempotency_key, job_id, job_type_id, event_json, status, attempts, accepted_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
      ),
      byKey: prepare<[string], { id: string; event_json: string }>('SELECT id, event_json FROM events WHERE idempotency_key = ?'),
      claim: prepare<[number], { seq: number; id: string; job_id: string; job_type_id: string; event_json: string; attempts: number }>(
        `UPDATE events SET status = 'dispatching', attempts = attempts + 1
         WHERE seq IN (SELECT seq FROM events WHERE status = 'pending' ORDER BY seq LIMIT ?)
         RETURNING seq, id, job_id, job_type_id, event_json, attempts`,
      ),
      claimTypes: prepare<[string, number], { seq: number; id: string; job_id: string; job_type_id: string; event_json: string; attempts: number }>(
        `UPDATE events SET status = 'dispatching', attempts = attempts + 1
         WHERE seq IN (SELECT seq FROM events WHERE status = 'pending' AND job_type_id IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?)
         RETURNING seq, id, job_id, job_type_id, event_json, attempts`,
      ),
      recorded: prepare<[string], { plugin: string; handler: string }>('SELECT plugin, handler FROM outcomes WHERE event_id = ? AND replay = 0'),
      outcome: prepare<[string, string, string, number, string, string, number, string, string | null, string | null, number, number, string | null]>(
        `INSERT OR IGNORE INTO outcomes (event_id, plugin, handler, replay, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at, log_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      eventExists: prepare<[string], { id: string }>('SELECT id FROM events WHERE id = ?'),
      nextReplay: prepare<[string], { n: number }>('SELECT COALESCE(MAX(replay), 0) + 1 AS n FROM replays WHERE event_id = ?'),
      insertReplay: prepare<[string, number, string, string | null, number], ReplayRow>(
        `INSERT INTO replays (event_id, replay, plugin, handler, status, requested_at) VALUES (?, ?, ?, ?, 'pending', ?)
         RETURNING ${REPLAY_COLUMNS}`,
      ),
      claimReplays: prepare<[number], { id: number; event_id: string; replay: number; plugin: string; handler: string | null; attempts: number }>(
        `UPDATE replays SET status = 'dispatching', attempts = attempts + 1
         WHERE id IN (SELECT id FROM replays WHERE status = 'pending' ORDER BY id LIMIT ?)
         RETURNING id, event_id, replay, plugin, handler, attempts`,
      ),
      eventText: prepare<[string], { job_id: string; job_type_id: string; event_json: string }>('SELECT job_id, job_type_id, event_json FROM events WHERE id = ?'),
      recordedUnder: prepare<[string, number], { plugin: string; handler: string }>('SELECT plugin, handler FROM outcomes WHERE event_id = ? AND replay = ?'),
      completeReplay: prepare<[number, string, number]>(`UPDATE replays SET status = 'done', completed_at = ? WHERE event_id = ? AND replay = ?`),
      requeueReplays: prepare<[]>(`UPDATE replays SET status = 'pending' WHERE status = 'dispatching'`),
      deleteReplays: prepare<[string]>('DELETE FROM replays WHERE event_id = ?'),
      complete: prepare<[number, string]>(`UPDATE events SET status = 'done', completed_at = ? WHERE id = ?`),
      requeue: prepare<[]>(`UPDATE events SET status = 'pending' WHERE status = 'dispatching'`),
      expired: prepare<[number, number], { seq: number; id: string }>(`SELECT seq, id FROM events WHERE status = 'done' AND completed_at < ? LIMIT ?`),
      deleteOutcomes: prepare<[string]>('DELETE FROM outcomes WHERE event_id = ?'),
      deleteEvent: prepare<[number]>('DELETE FROM events WHERE seq = ?'),
      cursor: prepare<[string, string, number]>(
        `INSERT INTO poll_cursors (source, cursor, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
      ),
      flag: prepare<[string, number, number]>(
        `INSERT INTO plugin_flags (plugin_id, disabled, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (plugin_id) DO UPDATE SET disabled = excluded.disabled, updated_at = excluded.updated_at`,
      ),
    };
    this.commit = db.transaction((ops: readonly WriteOp[]) =>
      ops.map((op): WriteResult => {
        try {
          return { ok: true, value: this.run(op) };
        } catch (e) {
          if (e instanceof Refusal) return { ok: false, code: e.code, message: e.message };
          throw e;
        }
      }),
    );
  }

  /** Runs `ops` in one transaction; throws (rolling back all) on anything but a refusal. */
  runBatch(ops: readonly WriteOp[]): WriteResult[] {
    return this.commit(ops);
  }

  private run(op: WriteOp): unknown {
    const s = this.sql;
    switch (op.kind) {
      case 'append': {
        if (s.insert.run(op.id, op.key, op.jobId, op.jobTypeId, op.json, op.at).changes === 1) return { id: op.id, created: true };
        const first = s.byKey.get(op.key!)!;
        if (first.event_json !== op.json) {
          throw new Refusal('IDEMPOTENCY_KEY_REUSED', keyReusedMessage(op.key!, first.id));
        }
        return { id: first.id, created: false };
      }
      case 'claim':
        return (op.jobTypeIds ? s.claimTypes.all(JSON.stringify(op.jobTypeIds), op.limit) : s.claim.all(op.limit)).map(
          (r): ClaimedRow => ({
            seq: r.seq,
            id: r.id,
            jobId: r.job_id,
            jobTypeId: r.job_type_id,
            eventJson: r.event_json,
            attempts: r.attempts,
            recorded: r.attempts > 1 ? s.recorded.all(r.id).map((o) => [o.plugin, o.handler] as const) : [],
          }),
        );
      case 'outcome':
        s.outcome.run(op.eventId, op.plugin, op.handler, op.replay, op.version, op.outcome, op.durationMs, op.invocationId, op.errorCode, op.errorMessage, op.attempt, op.at, op.logJson);
        return undefined;
      case 'replays': {
        // Every event is checked before anything is stored: a request naming an unknown event stores nothing.
        for (const r of op.requests) {
          if (!s.eventExists.get(r.eventId)) throw new Refusal('STORE_NOT_FOUND', `no event with id '${r.eventId}' (unknown, or pruned by retention)`);
        }
        return op.requests.map((r) => s.insertReplay.get(r.eventId, s.nextReplay.get(r.eventId)!.n, r.plugin, r.handler, op.at)!);
      }
      case 'claimReplays': {
        const out: ClaimedReplayRow[] = [];
        for (const r of s.claimReplays.all(op.limit)) {
          const event = s.eventText.get(r.event_id);
          // Its event was pruned since the request: nothing left to run.
          if (!event) {
            s.completeReplay.run(op.at, r.event_id, r.replay);
            continue;
          }
          const recorded = r.attempts > 1 ? s.recordedUnder.all(r.event_id, r.replay).map((o) => [o.plugin, o.handler] as const) : [];
          out.push({ eventId: r.event_id, replay: r.replay, plugin: r.plugin, handler: r.handler, attempts: r.attempts, jobId: event.job_id, jobTypeId: event.job_type_id, eventJson: event.event_json, recorded });
        }
        return out;
      }
      case 'completeReplay':
        s.completeReplay.run(op.at, op.eventId, op.replay);
        return undefined;
      case 'complete':
        s.complete.run(op.at, op.eventId);
        return undefined;
      case 'requeue':
        return s.requeue.run().changes + s.requeueReplays.run().changes;
      case 'prune': {
        const rows = s.expired.all(op.cutoff, op.limit);
        for (const r of rows) {
          s.deleteOutcomes.run(r.id);
          s.deleteReplays.run(r.id);
          s.deleteEvent.run(r.seq);
        }
        return rows.length;
      }
      case 'flag':
        s.flag.run(op.pluginId, op.disabled ? 1 : 0, op.at);
        return undefined;
      case 'poll': {
        // A key already stored is a row read again: its first event stands, whatever it maps to now.
        const results = op.events.map((e) =>
          s.insert.run(e.id, e.key, e.jobId, e.jobTypeId, e.json, op.at).changes === 1 ? { id: e.id, created: true } : { id: s.byKey.get(e.key)!.id, created: false },
        );
        if (op.cursor !== null) s.cursor.run(op.source, op.cursor, op.at);
        return results;
      }
    }
  }
}
