import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { HandlerOutcome, Outcome } from '../dispatch/handler-outcome.js';
import type { WireEventData } from '../dispatch/wire-event.js';
import { normalizeGuid } from '../manifest/plugin-manifest.js';
import type { AppendResult, ClaimedEvent, EventQuery, EventRecord, EventStatus, EventStore, OutcomeRecord, QueueDepth } from './event-store.js';
import { outcomeKey } from './event-store.js';
import { GroupCommit } from './group-commit.js';
import { migrate } from './sqlite-schema.js';
import { StoreError } from './store-error.js';

/** File name of the embedded store inside the data directory. */
export const EVENTS_DB_FILE = 'events.db';

/** How to open the embedded store. */
export interface SqliteEventStoreOptions {
  /** Fail instead of creating a new store (the `events` CLI reads an existing one). */
  readonly mustExist?: boolean;
}

interface EventRow {
  seq: number;
  id: string;
  idempotency_key: string | null;
  event_json: string;
  status: EventStatus;
  attempts: number;
  accepted_at: number;
  completed_at: number | null;
}

interface OutcomeRow {
  event_id: string;
  plugin: string;
  handler: string;
  version: string;
  outcome: Outcome;
  duration_ms: number;
  invocation_id: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  recorded_at: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function toOutcome(r: OutcomeRow): OutcomeRecord {
  return {
    plugin: r.plugin,
    version: r.version,
    handler: r.handler,
    outcome: r.outcome,
    durationMs: r.duration_ms,
    invocationId: r.invocation_id,
    ...(r.error_code !== null ? { error: { code: r.error_code, message: r.error_message ?? '' } } : {}),
    attempts: r.attempts,
    recordedAt: iso(r.recorded_at),
  };
}

/**
 * The embedded EventStore: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a committed
 * event survives a kill -9 and a power cut. Writes share commits through GroupCommit; reads run
 * directly on the one connection (better-sqlite3 is synchronous, so they see every committed write).
 */
export class SqliteEventStore implements EventStore {
  private readonly writes: GroupCommit;
  private closed = false;
  private readonly sql;

  private constructor(
    private readonly db: Database.Database,
    /** The database file. */
    readonly file: string,
  ) {
    this.writes = new GroupCommit(db);
    const prepare = <P extends unknown[], R = unknown>(s: string) => db.prepare<P, R>(s);
    this.sql = {
      insert: prepare<[string, string | null, string, string, string, number]>(
        `INSERT INTO events (id, idempotency_key, job_id, job_type_id, event_json, status, attempts, accepted_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      ),
      byKey: prepare<[string], { id: string; event_json: string }>('SELECT id, event_json FROM events WHERE idempotency_key = ?'),
      claim: prepare<[number], EventRow>(
        `UPDATE events SET status = 'dispatching', attempts = attempts + 1
         WHERE seq IN (SELECT seq FROM events WHERE status = 'pending' ORDER BY seq LIMIT ?)
         RETURNING seq, id, event_json, attempts`,
      ),
      recordedHandlers: prepare<[string], { plugin: string; handler: string }>('SELECT plugin, handler FROM outcomes WHERE event_id = ?'),
      insertOutcome: prepare<[string, string, string, string, string, number, string, string | null, string | null, number, number]>(
        `INSERT OR IGNORE INTO outcomes (event_id, plugin, handler, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      complete: prepare<[number, string]>(`UPDATE events SET status = 'done', completed_at = ? WHERE id = ?`),
      requeue: prepare<[]>(`UPDATE events SET status = 'pending' WHERE status = 'dispatching'`),
      get: prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?'),
      outcomesOf: prepare<[string], OutcomeRow>('SELECT * FROM outcomes WHERE event_id = ? ORDER BY plugin, handler'),
      countPending: prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`),
      countDispatching: prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'dispatching'`),
      expired: prepare<[number, number], { seq: number; id: string }>(`SELECT seq, id FROM events WHERE status = 'done' AND completed_at < ? LIMIT ?`),
      deleteOutcomes: prepare<[string]>('DELETE FROM outcomes WHERE event_id = ?'),
      deleteEvent: prepare<[number]>('DELETE FROM events WHERE seq = ?'),
      setFlag: prepare<[string, number, number]>(
        `INSERT INTO plugin_flags (plugin_id, disabled, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (plugin_id) DO UPDATE SET disabled = excluded.disabled, updated_at = excluded.updated_at`,
      ),
      disabled: prepare<[], { plugin_id: string }>('SELECT plugin_id FROM plugin_flags WHERE disabled = 1 ORDER BY plugin_id'),
    };
  }

  /** Opens (creating when allowed) `<dataDir>/events.db`. */
  static open(dataDir: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const file = path.resolve(dataDir, EVENTS_DB_FILE);
    let db: Database.Database | undefined;
    try {
      if (!options.mustExist) mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { fileMustExist: options.mustExist === true, timeout: 5000 });
      db.pragma('journal_mode = WAL');
      // FULL: each commit is on disk before its callers hear "committed" (the durable 202).
      db.pragma('synchronous = FULL');
      migrate(db);
      return new SqliteEventStore(db, file);
    } catch (e) {
      db?.close();
      const hint = options.mustExist ? ` (has \`jobhook serve\` run with --data-dir ${dataDir}?)` : '';
      throw new StoreError('STORE_OPEN_FAILED', `the event store '${file}' could not be opened: ${(e as Error).message}${hint}`, undefined, { cause: e });
    }
  }

  append(event: WireEventData, idempotencyKey: string | null = null): Promise<AppendResult> {
    const json = JSON.stringify(event);
    const id = randomUUID();
    return this.writes.enqueue(() => {
      const { changes } = this.sql.insert.run(id, idempotencyKey, event.jobId, event.jobTypeId, json, Date.now());
      if (changes === 1) return { id, created: true };
      const first = this.sql.byKey.get(idempotencyKey!)!;
      if (first.event_json !== json) {
        throw new StoreError('IDEMPOTENCY_KEY_REUSED', `the Idempotency-Key '${idempotencyKey}' was already used for a different event (${first.id}); use a new key for a new event`);
      }
      return { id: first.id, created: false };
    });
  }

  async claim(limit: number): Promise<ClaimedEvent[]> {
    this.assertOpen();
    if (limit <= 0) return [];
    let rows: EventRow[];
    try {
      rows = this.sql.claim.all(limit);
    } catch (e) {
      throw new StoreError('STORE_WRITE_FAILED', `claiming pending events failed: ${(e as Error).message}`, undefined, { cause: e });
    }
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({
        id: r.id,
        event: JSON.parse(r.event_json) as WireEventData,
        attempts: r.attempts,
        // Only a re-dispatch can have outcomes already; the first claim skips the query.
        recorded: new Set(r.attempts > 1 ? this.sql.recordedHandlers.all(r.id).map((o) => outcomeKey(o.plugin, o.handler)) : []),
      }));
  }

  recordOutcome(eventId: string, o: HandlerOutcome, attempt: number): Promise<void> {
    return this.writes.enqueue(() => {
      this.sql.insertOutcome.run(eventId, o.plugin, o.handler, o.version, o.outcome, o.durationMs, o.invocationId, o.error?.code ?? null, o.error?.message ?? null, attempt, Date.now());
    });
  }

  complete(eventId: string): Promise<void> {
    return this.writes.enqueue(() => {
      this.sql.complete.run(Date.now(), eventId);
    });
  }

  requeueInFlight(): Promise<number> {
    return this.writes.enqueue(() => this.sql.requeue.run().changes);
  }

  async get(id: string): Promise<EventRecord | undefined> {
    this.assertOpen();
    const row = this.sql.get.get(id);
    return row ? this.toRecord(row) : undefined;
  }

  async list(query: EventQuery = {}): Promise<EventRecord[]> {
    this.assertOpen();
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.jobId) {
      where.push('job_id = ?');
      params.push(normalizeGuid(query.jobId));
    }
    if (query.before) {
      const cursor = this.sql.get.get(query.before);
      if (!cursor) throw new StoreError('STORE_NOT_FOUND', `no event with id '${query.before}' (the 'before' cursor)`);
      where.push('seq < ?');
      params.push(cursor.seq);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
    return this.db
      .prepare<unknown[], EventRow>(sql)
      .all(...params)
      .map((r) => this.toRecord(r));
  }

  async queueDepth(): Promise<QueueDepth> {
    this.assertOpen();
    return { pending: this.sql.countPending.get()!.n, dispatching: this.sql.countDispatching.get()!.n };
  }

  async prune(cutoff: Date): Promise<number> {
    let total = 0;
    // Chunks, each its own commit, so a large backlog never blocks intake for long.
    for (;;) {
      const n = await this.writes.enqueue(() => {
        const rows = this.sql.expired.all(cutoff.getTime(), 500);
        for (const r of rows) {
          this.sql.deleteOutcomes.run(r.id);
          this.sql.deleteEvent.run(r.seq);
        }
        return rows.length;
      });
      total += n;
      if (n < 500) return total;
    }
  }

  setPluginDisabled(pluginId: string, disabled: boolean): Promise<void> {
    return this.writes.enqueue(() => {
      this.sql.setFlag.run(pluginId, disabled ? 1 : 0, Date.now());
    });
  }

  async disabledPlugins(): Promise<string[]> {
    this.assertOpen();
    return this.sql.disabled.all().map((r) => r.plugin_id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writes.close();
    this.db.close();
  }

  private toRecord(row: EventRow): EventRecord {
    return {
      id: row.id,
      status: row.status,
      attempts: row.attempts,
      acceptedAt: iso(row.accepted_at),
      completedAt: row.completed_at === null ? null : iso(row.completed_at),
      idempotencyKey: row.idempotency_key,
      event: JSON.parse(row.event_json) as WireEventData,
      outcomes: this.sql.outcomesOf.all(row.id).map(toOutcome),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the event store is closed');
  }
}
