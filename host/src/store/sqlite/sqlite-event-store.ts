import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { HandlerOutcome } from '../handler-outcome.js';
import type { WireEvent } from '@jobhook/sdk/contract';
import { normalizeGuid } from '@jobhook/sdk/contract';
import type {
  AppendResult,
  ClaimFilter,
  ClaimedEvent,
  ClaimedReplay,
  EventQuery,
  EventRecord,
  EventStore,
  PolledEvent,
  QueueDepth,
  ReplayCandidateQuery,
  ReplayRecord,
  ReplayRequest,
} from '../event-store.js';
import { outcomeKey } from '../event-store.js';
import { appendRow } from '../append-row.js';
import type { ClaimedReplayRow, ClaimedRow, WriteOp } from './sqlite-writes.js';
import { REPLAY_COLUMNS, toEventRecord, toReplay, type EventRow, type OutcomeRow, type ReplayRow } from '../event-rows.js';
import { WriterThread } from './writer-thread.js';
import { migrate } from './sqlite-schema.js';
import { StoreError } from '../store-error.js';
import { outcomeWrite } from '../outcome-write.js';

/** File name of the embedded store inside the data directory. */
export const EVENTS_DB_FILE = 'events.db';

/** How to open the embedded store. */
export interface SqliteEventStoreOptions {
  /** Fail instead of creating a new store (the `events` CLI reads an existing one). */
  readonly mustExist?: boolean;
}

/**
 * The embedded EventStore: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a committed
 * event survives a kill -9 and a power cut. Writes go to a writer thread that groups them into
 * commits (WriterThread); reads run on this thread's own connection, which WAL lets read while the
 * writer writes, and which sees every commit a write's promise has reported.
 */
export class SqliteEventStore implements EventStore {
  private writer: WriterThread | null = null;
  private closed = false;
  private readonly sql;

  private constructor(
    private readonly db: Database.Database,
    /** The database file. */
    readonly file: string,
  ) {
    const prepare = <P extends unknown[], R = unknown>(s: string) => db.prepare<P, R>(s);
    this.sql = {
      get: prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?'),
      outcomesOf: prepare<[string], OutcomeRow>('SELECT * FROM outcomes WHERE event_id = ? ORDER BY replay, plugin, handler'),
      replaysOf: prepare<[string], ReplayRow>(`SELECT ${REPLAY_COLUMNS} FROM replays WHERE event_id = ? ORDER BY replay`),
      countPending: prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`),
      countDispatching: prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'dispatching'`),
      disabled: prepare<[], { plugin_id: string }>('SELECT plugin_id FROM plugin_flags WHERE disabled = 1 ORDER BY plugin_id'),
      pollCursor: prepare<[string], { cursor: string }>('SELECT cursor FROM poll_cursors WHERE source = ?'),
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
      migrate(db);
      return new SqliteEventStore(db, file);
    } catch (e) {
      db?.close();
      const hint = options.mustExist ? ` (has \`jobhook serve\` run with --data-dir ${dataDir}?)` : '';
      throw new StoreError('STORE_OPEN_FAILED', `the event store '${file}' could not be opened: ${(e as Error).message}${hint}`, undefined, { cause: e });
    }
  }

  append(event: WireEvent, idempotencyKey: string | null = null): Promise<AppendResult> {
    const at = Date.now();
    return this.write({ kind: 'append', ...appendRow(event, idempotencyKey, at) });
  }

  async claim(limit: number, filter?: ClaimFilter): Promise<ClaimedEvent[]> {
    if (limit <= 0) {
      this.assertOpen();
      return [];
    }
    // A claim is a write too: it shares its commit (and fsync) with the writes around it.
    const rows = await this.write<ClaimedRow[]>({ kind: 'claim', limit, ...(filter ? { jobTypeIds: filter.jobTypeIds } : {}) });
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({ id: r.id, jobId: r.jobId, jobTypeId: r.jobTypeId, eventJson: r.eventJson, attempts: r.attempts, recorded: new Set(r.recorded.map(([p, h]) => outcomeKey(p, h))) }));
  }

  recordOutcome(eventId: string, o: HandlerOutcome, attempt: number, replay = 0): Promise<void> {
    return this.write(outcomeWrite(eventId, o, attempt, replay));
  }

  async requestReplays(requests: readonly ReplayRequest[]): Promise<ReplayRecord[]> {
    if (requests.length === 0) {
      this.assertOpen();
      return [];
    }
    const rows = await this.write<ReplayRow[]>({ kind: 'replays', requests: requests.map((r) => ({ eventId: r.eventId, plugin: r.plugin, handler: r.handler })), at: Date.now() });
    return rows.map(toReplay);
  }

  async claimReplays(limit: number): Promise<ClaimedReplay[]> {
    if (limit <= 0) {
      this.assertOpen();
      return [];
    }
    const rows = await this.write<ClaimedReplayRow[]>({ kind: 'claimReplays', limit, at: Date.now() });
    return rows.map((r) => ({
      eventId: r.eventId,
      replay: r.replay,
      plugin: r.plugin,
      handler: r.handler,
      attempts: r.attempts,
      jobId: r.jobId,
      jobTypeId: r.jobTypeId,
      eventJson: r.eventJson,
      recorded: new Set(r.recorded.map(([p, h]) => outcomeKey(p, h))),
    }));
  }

  completeReplay(eventId: string, replay: number): Promise<void> {
    return this.write({ kind: 'completeReplay', eventId, replay, at: Date.now() });
  }

  async replayCandidates(query: ReplayCandidateQuery): Promise<ReplayRequest[]> {
    this.assertOpen();
    if (query.outcomes.length === 0) return [];
    const sql = `SELECT o.event_id, o.handler FROM outcomes o
      WHERE o.plugin = ? AND o.recorded_at >= ? AND o.outcome IN (${query.outcomes.map(() => '?').join(', ')})
        AND o.replay = (SELECT MAX(x.replay) FROM outcomes x WHERE x.event_id = o.event_id AND x.plugin = o.plugin AND x.handler = o.handler)
        AND NOT EXISTS (SELECT 1 FROM replays r WHERE r.event_id = o.event_id AND r.plugin = o.plugin AND (r.handler IS NULL OR r.handler = o.handler) AND r.status != 'done')
      ORDER BY o.recorded_at, o.event_id, o.handler LIMIT ?`;
    return this.db
      .prepare<unknown[], { event_id: string; handler: string }>(sql)
      .all(query.plugin, query.since.getTime(), ...query.outcomes, Math.max(1, query.limit))
      .map((r) => ({ eventId: r.event_id, plugin: query.plugin, handler: r.handler }));
  }

  complete(eventId: string): Promise<void> {
    return this.write({ kind: 'complete', eventId, at: Date.now() });
  }

  requeueInFlight(): Promise<number> {
    return this.write({ kind: 'requeue' });
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
    if (query.outcome || query.plugin) {
      const cond = [...(query.outcome ? ['o.outcome = ?'] : []), ...(query.plugin ? ['o.plugin = ?'] : [])];
      where.push(`EXISTS (SELECT 1 FROM outcomes o WHERE o.event_id = events.id AND ${cond.join(' AND ')})`);
      if (query.outcome) params.push(query.outcome);
      if (query.plugin) params.push(query.plugin);
    }
    if (query.jobTypeId) {
      where.push('job_type_id = ?');
      params.push(normalizeGuid(query.jobTypeId));
    }
    if (query.jobType) {
      where.push(`json_extract(event_json, '$.jobType') = ? COLLATE NOCASE`);
      params.push(query.jobType);
    }
    if (query.acceptedFrom) {
      where.push('accepted_at >= ?');
      params.push(query.acceptedFrom.getTime());
    }
    if (query.acceptedUntil) {
      where.push('accepted_at < ?');
      params.push(query.acceptedUntil.getTime());
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

  writeError(): string | null {
    return this.writer?.error ?? null;
  }

  async queueDepth(): Promise<QueueDepth> {
    this.assertOpen();
    return { pending: this.sql.countPending.get()!.n, dispatching: this.sql.countDispatching.get()!.n };
  }

  async prune(cutoff: Date): Promise<number> {
    let total = 0;
    // Chunks, each in its own batch, so a large backlog never holds up the writes of new events.
    for (;;) {
      const n = await this.write<number>({ kind: 'prune', cutoff: cutoff.getTime(), limit: 500 });
      total += n;
      if (n < 500) return total;
    }
  }

  appendPolled(source: string, events: readonly PolledEvent[], cursor: string | null): Promise<AppendResult[]> {
    const at = Date.now();
    const rows = events.map(({ event, idempotencyKey }) => ({ ...appendRow(event, idempotencyKey, at), key: idempotencyKey }));
    return this.write({ kind: 'poll', source, events: rows, cursor, at });
  }

  async pollCursor(source: string): Promise<string | null> {
    this.assertOpen();
    return this.sql.pollCursor.get(source)?.cursor ?? null;
  }

  setPluginDisabled(pluginId: string, disabled: boolean): Promise<void> {
    return this.write({ kind: 'flag', pluginId, disabled, at: Date.now() });
  }

  async disabledPlugins(): Promise<string[]> {
    this.assertOpen();
    return this.sql.disabled.all().map((r) => r.plugin_id);
  }

  /** Commits what is queued, stops the writer thread, closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer?.close();
    this.db.close();
  }

  // The writer thread starts with the first write: a reader (the events CLI) never starts one.
  private write<T>(op: WriteOp): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('STORE_CLOSED', 'the event store is closed'));
    this.writer ??= new WriterThread(this.file);
    return this.writer.enqueue<T>(op);
  }

  private toRecord(row: EventRow): EventRecord {
    return toEventRecord(row, this.sql.outcomesOf.all(row.id), this.sql.replaysOf.all(row.id));
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the event store is closed');
  }
}
