import pg from 'pg';
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
  EventStatus,
  EventStore,
  PolledEvent,
  QueueDepth,
  ReplayCandidateQuery,
  ReplayClaimFilter,
  ReplayRecord,
  ReplayRequest,
} from '../event-store.js';
import { appendRow, type AppendRow } from '../append-row.js';
import { StoreError } from '../store-error.js';
import { retryConflicts } from './retry-conflicts.js';
import { CommitGroup } from './commit-group.js';
import type { PgConnection } from './pg-connection.js';
import { migratePg } from './pg-migrations.js';
import { PgNotifier } from './pg-notifier.js';
import { claimReplayRows, findReplayCandidates, insertReplays } from './pg-replays.js';
import { leasedClaimSql, recordedBy } from './pg-claims.js';
import { REPLAY_COLUMNS, toEventRecord, type EventRow, type OutcomeRow, type ReplayRow } from '../event-rows.js';
import { commitAppends, commitDeliveries, commitPolled } from './pg-writes.js';
import type { DeliveryWrite } from '../delivery-write.js';
import { outcomeWrite } from '../outcome-write.js';

/** How to open the PostgreSQL store. */
export interface PgEventStoreOptions {
  readonly connection: PgConnection;
  /** This host's id: the owner of its claims' leases. */
  readonly hostId: string;
  /** A claim's lease; renewed every third of it while the host lives. */
  readonly leaseMs: number;
  /** Fallback wake-up of idle dispatchers when no NOTIFY arrives. Default 5 s. */
  readonly pollMs?: number;
  /** Where background failures (a lost LISTEN connection, a failed renewal) are reported. */
  readonly onError?: (message: string) => void;
}

/**
 * The EventStore several hosts share: PostgreSQL through a node-postgres pool. Claims take rows with
 * `FOR UPDATE SKIP LOCKED` and stamp them with this host's id and a lease the host renews while it
 * lives; a claim also takes events whose lease ran out, so a dead host's work moves on. Concurrent
 * appends share one commit, and so do outcomes and completions; a commit of new events NOTIFYs the
 * other hosts. Replays are claimed and leased the same way. One outcome per (event, plugin, handler,
 * replay) is the outcomes table's primary key.
 */
export class PgEventStore implements EventStore {
  readonly shared = true;
  private closed = false;
  private lastWriteError: string | null = null;
  private readonly appends: CommitGroup<AppendRow, AppendResult>;
  private readonly deliveries: CommitGroup<DeliveryWrite, undefined>;
  private readonly renewTimer: NodeJS.Timeout;

  private constructor(
    /** The pool, shared with the cluster store of the same host. */
    readonly pool: pg.Pool,
    /**
     * Connections whose commits do not wait for the WAL flush, for claims and leases only: losing
     * one in a server crash just leaves the event claimable (its lease or pending state comes back),
     * and a later durable commit, such as the outcome's, flushes the WAL up to and past it anyway.
     */
    private readonly claimPool: pg.Pool,
    /** The notifier, shared with the cluster store of the same host. */
    readonly notifier: PgNotifier,
    private readonly options: PgEventStoreOptions,
  ) {
    this.appends = new CommitGroup((ops) => this.guardWrite(() => retryConflicts(() => commitAppends(pool, options.hostId, ops))), { maxBatch: 500, parallel: 2 });
    this.deliveries = new CommitGroup((ops) => this.guardWrite(() => retryConflicts(() => commitDeliveries(pool, ops))), { maxBatch: 500, parallel: 2 });
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(options.leaseMs / 3)));
    this.renewTimer.unref();
  }

  /** Where the store is, password hidden. */
  get display(): string {
    return this.options.connection.display;
  }

  /** Connects, migrates the schema (one host at a time), and starts listening for other hosts. */
  static async open(options: PgEventStoreOptions): Promise<PgEventStore> {
    const { connection } = options;
    const pool = new pg.Pool(connection.pool);
    const claimPool = new pg.Pool({ ...connection.pool, max: 2, options: '-c synchronous_commit=off' });
    // An idle client's error (server restart, network cut) is reported by the next query; without
    // this listener it would crash the process.
    for (const p of [pool, claimPool]) p.on('error', (e) => options.onError?.(`a pooled PostgreSQL connection failed: ${connection.redact(e.message)}`));
    const notifier = new PgNotifier(connection.pool, options.hostId, options.pollMs ?? 5000, (m) => options.onError?.(connection.redact(m)));
    try {
      await migratePg(pool);
      await notifier.start();
    } catch (e) {
      await notifier.close();
      await Promise.all([pool.end(), claimPool.end()]).catch(() => undefined);
      throw new StoreError('STORE_OPEN_FAILED', `the event store ${connection.display} could not be opened: ${connection.redact((e as Error).message)}`, undefined, { cause: e });
    }
    return new PgEventStore(pool, claimPool, notifier, options);
  }

  append(event: WireEvent, idempotencyKey: string | null = null): Promise<AppendResult> {
    if (this.closed) return Promise.reject(closedError());
    const at = Date.now();
    return this.appends.push(appendRow(event, idempotencyKey, at));
  }

  async claim(limit: number, filter?: ClaimFilter): Promise<ClaimedEvent[]> {
    this.assertOpen();
    if (limit <= 0 || (filter && filter.jobTypeIds.length === 0)) return [];
    const rows = await this.guardWrite(async () => {
      const { rows } = await this.claimPool.query<{ seq: string; id: string; job_id: string; job_type_id: string; event_json: string; attempts: number }>(
        leasedClaimSql('events', 'q.seq, q.id, q.job_id, q.job_type_id, q.event_json, q.attempts'),
        [limit, filter ? [...filter.jobTypeIds] : null, this.options.hostId, this.options.leaseMs],
      );
      return rows;
    });
    const again = rows.filter((r) => r.attempts > 1).map((r) => r.id);
    let recorded = new Map<string, Set<string>>();
    if (again.length > 0) {
      const { rows: done } = await this.read(() => this.pool.query<{ event_id: string; plugin: string; handler: string }>('SELECT event_id, plugin, handler FROM outcomes WHERE event_id = ANY($1::text[]) AND replay = 0', [again]));
      recorded = recordedBy(done, (o) => o.event_id);
    }
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((r) => ({ id: r.id, jobId: r.job_id, jobTypeId: r.job_type_id, eventJson: r.event_json, attempts: r.attempts, recorded: recorded.get(r.id) ?? new Set<string>() }));
  }

  recordOutcome(eventId: string, o: HandlerOutcome, attempt: number, replay = 0): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    return this.deliveries.push(outcomeWrite(eventId, o, attempt, replay));
  }

  complete(eventId: string): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    return this.deliveries.push({ kind: 'complete', eventId, at: Date.now() });
  }

  async requestReplays(requests: readonly ReplayRequest[]): Promise<ReplayRecord[]> {
    this.assertOpen();
    if (requests.length === 0) return [];
    return this.guardWrite(() => insertReplays(this.pool, this.options.hostId, requests, Date.now()));
  }

  async claimReplays(limit: number, filter?: ReplayClaimFilter): Promise<ClaimedReplay[]> {
    this.assertOpen();
    if (limit <= 0 || (filter && filter.pluginIds.length === 0)) return [];
    const { hostId, leaseMs } = this.options;
    return this.guardWrite(() => claimReplayRows(this.claimPool, this.pool, { hostId, leaseMs, limit, ...(filter ? { filter } : {}), at: Date.now() }));
  }

  completeReplay(eventId: string, replay: number): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    return this.deliveries.push({ kind: 'completeReplay', eventId, replay, at: Date.now() });
  }

  async replayCandidates(query: ReplayCandidateQuery): Promise<ReplayRequest[]> {
    this.assertOpen();
    return this.read(() => findReplayCandidates(this.pool, query));
  }

  /**
   * Returns to `pending` what this host id still holds and what any host held past its lease. Other
   * live hosts' claims are theirs: a shared store never takes work back from a host that renews.
   */
  async requeueInFlight(): Promise<number> {
    this.assertOpen();
    const requeue = (table: 'events' | 'replays') =>
      this.guardWrite(() =>
        this.claimPool.query(`UPDATE ${table} SET status = 'pending', lease_owner = NULL, lease_expires = NULL WHERE status = 'dispatching' AND (lease_owner = $1 OR lease_expires < now())`, [this.options.hostId]),
      );
    const [events, replays] = [await requeue('events'), await requeue('replays')];
    return (events.rowCount ?? 0) + (replays.rowCount ?? 0);
  }

  async get(id: string): Promise<EventRecord | undefined> {
    this.assertOpen();
    const { rows } = await this.read(() => this.pool.query<EventRow>('SELECT * FROM events WHERE id = $1', [id]));
    return (await this.toRecords(rows))[0];
  }

  async list(query: EventQuery = {}): Promise<EventRecord[]> {
    this.assertOpen();
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.jobId) {
      params.push(normalizeGuid(query.jobId));
      where.push(`job_id = $${params.length}`);
    }
    if (query.outcome || query.plugin) {
      const cond: string[] = [];
      if (query.outcome) {
        params.push(query.outcome);
        cond.push(`o.outcome = $${params.length}`);
      }
      if (query.plugin) {
        params.push(query.plugin);
        cond.push(`o.plugin = $${params.length}`);
      }
      where.push(`EXISTS (SELECT 1 FROM outcomes o WHERE o.event_id = events.id AND ${cond.join(' AND ')})`);
    }
    if (query.jobTypeId) {
      params.push(normalizeGuid(query.jobTypeId));
      where.push(`job_type_id = $${params.length}`);
    }
    if (query.jobType) {
      params.push(query.jobType);
      where.push(`lower(event_json::jsonb ->> 'jobType') = lower($${params.length})`);
    }
    if (query.acceptedFrom) {
      params.push(query.acceptedFrom.getTime());
      where.push(`accepted_at >= $${params.length}`);
    }
    if (query.acceptedUntil) {
      params.push(query.acceptedUntil.getTime());
      where.push(`accepted_at < $${params.length}`);
    }
    if (query.before) {
      const { rows } = await this.read(() => this.pool.query<{ seq: string }>('SELECT seq FROM events WHERE id = $1', [query.before]));
      if (rows.length === 0) throw new StoreError('STORE_NOT_FOUND', `no event with id '${query.before}' (the 'before' cursor)`);
      params.push(rows[0]!.seq);
      where.push(`seq < $${params.length}`);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const { rows } = await this.read(() => this.pool.query<EventRow>(`SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`, params));
    return this.toRecords(rows);
  }

  writeError(): string | null {
    return this.lastWriteError;
  }

  async queueDepth(): Promise<QueueDepth> {
    this.assertOpen();
    const { rows } = await this.read(() => this.pool.query<{ status: EventStatus; n: string }>(`SELECT status, count(*) AS n FROM events WHERE status <> 'done' GROUP BY status`));
    const n = (s: EventStatus): number => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { pending: n('pending'), dispatching: n('dispatching') };
  }

  async prune(cutoff: Date): Promise<number> {
    this.assertOpen();
    let total = 0;
    // Chunks, each its own short transaction, so a large backlog never holds locks on the queue.
    for (;;) {
      const { rows } = await this.guardWrite(() =>
        this.pool.query<{ n: string }>(
          `WITH gone AS (
             DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE status = 'done' AND completed_at < $1 LIMIT 500) RETURNING id),
           o AS (DELETE FROM outcomes WHERE event_id IN (SELECT id FROM gone)),
           r AS (DELETE FROM replays WHERE event_id IN (SELECT id FROM gone))
           SELECT count(*) AS n FROM gone`,
          [cutoff.getTime()],
        ),
      );
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n < 500) return total;
    }
  }

  async appendPolled(source: string, events: readonly PolledEvent[], cursor: string | null): Promise<AppendResult[]> {
    this.assertOpen();
    const at = Date.now();
    const ops = events.map(({ event, idempotencyKey }) => appendRow(event, idempotencyKey, at));
    return this.guardWrite(() => commitPolled(this.pool, this.options.hostId, source, ops, cursor));
  }

  async pollCursor(source: string): Promise<string | null> {
    this.assertOpen();
    const { rows } = await this.read(() => this.pool.query<{ cursor: string }>('SELECT cursor FROM poll_cursors WHERE source = $1', [source]));
    return rows[0]?.cursor ?? null;
  }

  async setPluginDisabled(pluginId: string, disabled: boolean): Promise<void> {
    this.assertOpen();
    await this.guardWrite(() =>
      this.pool.query(
        `INSERT INTO plugin_flags (plugin_id, disabled, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (plugin_id) DO UPDATE SET disabled = excluded.disabled, updated_at = excluded.updated_at`,
        [pluginId, disabled, Date.now()],
      ),
    );
  }

  async disabledPlugins(): Promise<string[]> {
    this.assertOpen();
    const { rows } = await this.read(() => this.pool.query<{ plugin_id: string }>('SELECT plugin_id FROM plugin_flags WHERE disabled ORDER BY plugin_id'));
    return rows.map((r) => r.plugin_id);
  }

  onForeignAppend(listener: () => void): () => void {
    return this.notifier.on('events', listener);
  }

  /**
   * Commits what is queued, hands back this host's unfinished claims (other hosts take them at once
   * rather than after the lease), and closes the pool. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewTimer);
    await Promise.all([this.appends.drained(), this.deliveries.drained()]);
    await this.pool
      .query(
        `WITH e AS (UPDATE events SET status = 'pending', lease_owner = NULL, lease_expires = NULL WHERE status = 'dispatching' AND lease_owner = $1)
         UPDATE replays SET status = 'pending', lease_owner = NULL, lease_expires = NULL WHERE status = 'dispatching' AND lease_owner = $1`,
        [this.options.hostId],
      )
      .catch((e: Error) => this.options.onError?.(`handing back this host's claims failed (other hosts take them after the lease): ${this.options.connection.redact(e.message)}`));
    await this.notifier.close();
    await Promise.all([this.pool.end(), this.claimPool.end()]).catch(() => undefined);
  }

  // One statement renews every claim this host holds: cheap, whatever the number in flight. Rows
  // locked by a commit in flight (this host marking them done) are skipped, not waited for: waiting
  // took row locks in another order than that commit and could deadlock with it. A row skipped keeps
  // its lease until the next renewal, a third of the lease later.
  private async renewLeases(): Promise<void> {
    if (this.closed) return;
    try {
      await this.claimPool.query(
        `WITH le AS (SELECT seq FROM events WHERE status = 'dispatching' AND lease_owner = $1 FOR UPDATE SKIP LOCKED),
         e AS (UPDATE events SET lease_expires = now() + $2 * interval '1 millisecond' FROM le WHERE events.seq = le.seq),
         lr AS (SELECT id FROM replays WHERE status = 'dispatching' AND lease_owner = $1 FOR UPDATE SKIP LOCKED)
         UPDATE replays SET lease_expires = now() + $2 * interval '1 millisecond' FROM lr WHERE replays.id = lr.id`,
        [this.options.hostId, this.options.leaseMs],
      );
    } catch (e) {
      if (!this.closed) this.options.onError?.(`renewing this host's claim leases failed: ${this.options.connection.redact((e as Error).message)}`);
    }
  }

  private async toRecords(rows: readonly EventRow[]): Promise<EventRecord[]> {
    if (rows.length === 0) return [];
    const { rows: outcomes } = await this.read(() =>
      this.pool.query<OutcomeRow>('SELECT * FROM outcomes WHERE event_id = ANY($1::text[]) ORDER BY replay, plugin, handler', [rows.map((r) => r.id)]),
    );
    const { rows: replays } = await this.read(() =>
      this.pool.query<ReplayRow>(`SELECT ${REPLAY_COLUMNS} FROM replays WHERE event_id = ANY($1::text[]) ORDER BY replay`, [rows.map((r) => r.id)]),
    );
    return rows.map((row) =>
      toEventRecord(
        row,
        outcomes.filter((o) => o.event_id === row.id),
        replays.filter((r) => r.event_id === row.id),
      ),
    );
  }

  // A failed commit is reported as STORE_WRITE_FAILED (what the intake answers 503 to) and kept as
  // the store's write error until a later commit succeeds.
  private async guardWrite<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const value = await fn();
      this.lastWriteError = null;
      return value;
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const message = this.options.connection.redact((e as Error).message);
      this.lastWriteError = message;
      throw new StoreError('STORE_WRITE_FAILED', `the event store ${this.options.connection.display} could not commit: ${message}`, undefined, { cause: e });
    }
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new StoreError('STORE_UNAVAILABLE', `the event store ${this.options.connection.display} could not be read: ${this.options.connection.redact((e as Error).message)}`, undefined, { cause: e });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }
}

function closedError(): StoreError {
  return new StoreError('STORE_CLOSED', 'the event store is closed');
}
