import type { PollConfig } from '../../config.js';
import type { WireEvent } from '@jobhook/sdk/contract';
import { describeError } from '../../errors.js';
import type { HostLogger } from '../../logging/logger.js';
import type { EventStore, PolledEvent } from '../../store/event-store.js';
import { historyIdOf, isTerminal, parseHistoryRow, type HistoryRow } from './history-row.js';
import type { JobHistoryClient } from './job-history-client.js';
import { PlatformDirectory } from './platform-directory.js';
import { decodeCursor, encodeCursor, initialCursor } from './poll-cursor.js';
import { PollerBook, type OpenRowInfo, type PollerStatus, type RowOutcome } from './poller-status.js';
import { PollerError } from './poller-error.js';
import { RetryCounter } from './retry-counter.js';
import { polledEventKey, rowToEvent } from './row-to-event.js';

/** What the poller reports as it works (metrics). */
export interface PollerObserver {
  poll?(durationMs: number, ok: boolean): void;
  rows?(outcome: RowOutcome, count: number): void;
}

/** What the poller is built from. */
export interface JobHistoryPollerOptions {
  readonly config: PollConfig;
  readonly client: JobHistoryClient;
  readonly store: EventStore;
  readonly logger: HostLogger;
  /** The store's cursor name: one per platform, so pointing at another Command starts afresh. */
  readonly source: string;
  /** For status only: the platform URL. */
  readonly platform: string;
  /** Called after new events were committed (the service wakes its dispatcher loop). */
  readonly onStored?: () => void;
  readonly observer?: PollerObserver;
}

/** A page mapped and not yet committed. */
interface PreparedPage {
  readonly events: PolledEvent[];
  readonly ends: Array<string | null>;
  /** Open rows this page finishes. */
  readonly done: number[];
  readonly scanned: number;
}

/** A row the cursor may not pass yet. */
interface OpenRow {
  readonly kind: 'waiting' | 'held';
  readonly since: number;
  /** A held row as read, to be mapped again on the next poll (null for a waiting row: it is read again). */
  readonly raw: unknown;
  readonly jobId: string | null;
  readonly code?: string;
  readonly message?: string;
  readonly attempts: number;
}

// Pages read in one poll before the loop yields and comes straight back (a long backfill stays
// stoppable and its progress visible).
const PAGES_PER_POLL = 20;
// Rows the cursor waits on that are re-read one by one; beyond this the range is read again instead.
const RECHECK_ONE_BY_ONE = 10;
const ROW_CODES = new Set(['POLL_AGENT_UNKNOWN', 'POLL_JOB_TYPE_UNKNOWN']);

/**
 * An event source that pulls, so nothing needs installing on the platform server: pages the
 * platform's job history oldest first past its cursor, appends one event per finished attempt
 * (idempotency key `<JobId>:<JobHistoryId>`) and moves the cursor in the same transaction. Rows
 * are updated in place while a job runs, so the cursor stops below the lowest row not finished yet;
 * finished rows above it are stored at once and found already stored when read again. It only
 * appends to the store: delivery is the dispatcher's.
 */
export class JobHistoryPoller {
  private readonly book: PollerBook;
  private readonly directory: PlatformDirectory;
  private retries: RetryCounter | null = null;
  private readonly open = new Map<number, OpenRow>();
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wakeSleep: (() => void) | null = null;
  private failures = 0;

  constructor(private readonly options: JobHistoryPollerOptions) {
    this.book = new PollerBook(options.logger, options.platform, options.config.intervalMs);
    this.directory = new PlatformDirectory(options.client, options.config.intervalMs);
  }

  /** Starts polling in the background; the first poll runs at once. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.options.logger.info({ platform: this.options.platform, intervalMs: this.options.config.intervalMs, pageSize: this.options.config.pageSize }, `polling the job history of ${this.options.platform}`);
    this.loop = this.run();
  }

  status(): PollerStatus {
    return this.book.status();
  }

  /** Stops: aborts requests in flight, waits for a commit in progress. Idempotent. */
  async dispose(): Promise<void> {
    this.stopped = true;
    this.options.client.dispose();
    this.wakeSleep?.();
    await this.loop;
    this.book.state = 'stopped';
    this.book.nextPollAt = null;
  }

  private async run(): Promise<void> {
    const { intervalMs, maxBackoffMs } = this.options.config;
    while (!this.stopped) {
      const started = performance.now();
      let delay = intervalMs;
      try {
        if (this.book.cursor === null) await this.loadCursor();
        const more = await this.pollOnce();
        this.failures = 0;
        this.book.state = 'polling';
        this.book.polled();
        delay = more ? 0 : intervalMs;
        this.options.observer?.poll?.(performance.now() - started, true);
      } catch (e) {
        if (this.stopped) break;
        this.forgetUncommitted();
        this.failures++;
        this.book.state = 'backing-off';
        this.book.polled(e);
        delay = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(this.failures - 1, 20));
        this.options.observer?.poll?.(performance.now() - started, false);
      }
      if (this.stopped) break;
      this.book.nextPollAt = Date.now() + delay;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeSleep = () => (clearTimeout(timer), resolve());
      });
      this.wakeSleep = null;
    }
  }

  /**
   * After a failed poll: rows above `scannedTo` were read but their page was never committed, so
   * they are read again from the page. Kept in the open set, one of them finishing first would let
   * the cursor jump over the finished rows below it that were never stored.
   */
  private forgetUncommitted(): void {
    const scannedTo = this.book.scannedTo;
    if (scannedTo === null) return;
    for (const id of [...this.open.keys()]) if (id > scannedTo) this.open.delete(id);
    this.book.open = this.openRows();
  }

  private async loadCursor(): Promise<void> {
    const { store, source, config, client } = this.options;
    const stored = await store.pollCursor(source);
    const cursor = stored !== null ? decodeCursor(stored) : await initialCursor(config.since, client, config.timeZone);
    // Committed at once, so `since: now` means the first start's now, not each restart's.
    if (stored === null) await this.commit([], cursor.after, cursor.newestEnd);
    this.book.cursor = cursor.after;
    this.book.scannedTo = cursor.after;
    this.book.newestEnd = cursor.newestEnd;
    this.retries = new RetryCounter(client, config.timeZone, stored === null && cursor.after === 0);
    this.options.logger.info({ cursor: cursor.after, resumed: stored !== null }, `job-history polling ${stored !== null ? 'resumes' : 'starts'} after JobHistoryId ${cursor.after}`);
  }

  /** One poll: rows the cursor waits on, then new rows page by page. True when there is more to read at once. */
  private async pollOnce(): Promise<boolean> {
    await this.recheckOpen();
    const { client, config } = this.options;
    const fetchAfter = (after: number): Promise<unknown[]> => {
      const page = client.historyPage(`JobHistoryId -gt ${after}`, config.pageSize);
      page.catch(() => undefined); // awaited below; a prefetch left behind by a failure must not go unhandled
      return page;
    };
    let after = this.book.scannedTo!;
    let next = fetchAfter(after);
    // One page's commit runs while the next page is read and mapped; commits stay one after another,
    // so a failed one is never followed by a later page's cursor.
    let committing: Promise<void> | null = null;
    try {
      for (let page = 0; page < PAGES_PER_POLL && !this.stopped; page++) {
        const raw = await next;
        const rows = newRows(raw, after);
        const full = rows.length > 0 && raw.length >= config.pageSize;
        if (full) {
          after = historyIdOf(rows[rows.length - 1])!;
          if (page + 1 < PAGES_PER_POLL) next = fetchAfter(after);
        }
        const prepared = await this.prepare(rows);
        if (committing) await committing;
        committing = this.store(prepared);
        committing.catch(() => undefined); // awaited before the next commit or in finally
        if (!full) return false;
      }
      return !this.stopped;
    } finally {
      // Settled before the poll ends, whether it failed or not; a failure here is the poll's failure.
      if (committing) await committing;
    }
  }

  private async recheckOpen(): Promise<void> {
    if (this.open.size === 0) return;
    const { client, config } = this.options;
    const waiting = [...this.open.entries()].filter(([, o]) => o.kind === 'waiting').map(([id]) => id);
    const fresh: unknown[] = [];
    if (waiting.length <= RECHECK_ONE_BY_ONE) {
      for (const id of waiting) {
        const [raw] = (await client.historyPage(`JobHistoryId -eq ${id}`, 1)).filter((r) => historyIdOf(r) === id);
        if (raw === undefined) this.vanished(id);
        else fresh.push(raw);
      }
    } else {
      const low = Math.min(...waiting);
      const wanted = new Set(waiting);
      for (let after = low - 1; after < this.book.scannedTo!; ) {
        const raw = await client.historyPage(`JobHistoryId -gt ${after} AND JobHistoryId -le ${this.book.scannedTo}`, config.pageSize);
        const rows = newRows(raw, after);
        for (const r of rows) {
          if (wanted.delete(historyIdOf(r)!)) fresh.push(r);
        }
        if (rows.length === 0 || raw.length < config.pageSize) break;
        after = historyIdOf(rows[rows.length - 1])!;
      }
      // The range up to scannedTo was read whole: a waited-on row not in it is gone from the platform.
      for (const id of wanted) if (id <= this.book.scannedTo!) this.vanished(id);
    }
    // Held rows are finished: they are mapped again from what was read, with fresh caches if due.
    const held = [...this.open.values()].filter((o) => o.kind === 'held').map((o) => o.raw);
    const ids = new Set<number>();
    const again = [...fresh, ...held].filter((r) => {
      const id = idOf(r);
      return ids.has(id) ? false : (ids.add(id), true);
    });
    await this.take(again.sort((a, b) => idOf(a) - idOf(b)));
  }

  /**
   * Maps and stores rows read again (ascending ids), then moves the cursor as far as it may go —
   * never past `scannedTo`: rows above it have not been read in order, so none of them may count as scanned.
   */
  private async take(rows: readonly unknown[]): Promise<void> {
    const prepared = await this.prepare(rows);
    await this.store({ ...prepared, scanned: Math.min(prepared.scanned, this.book.scannedTo!) });
  }

  /** Maps rows to events; rows not finished or not mappable join the open set the cursor waits on. */
  private async prepare(rows: readonly unknown[]): Promise<PreparedPage> {
    const events: PolledEvent[] = [];
    const ends: Array<string | null> = [];
    const done: number[] = [];
    let scanned = this.book.scannedTo!;
    const finished: Array<{ readonly raw: unknown; readonly row: HistoryRow }> = [];
    for (const raw of rows) {
      const id = idOf(raw);
      scanned = Math.max(scanned, id);
      const row = this.parse(raw, id);
      if (row === null) continue;
      if (!isTerminal(row)) {
        if (!this.open.has(id)) {
          this.open.set(id, { kind: 'waiting', since: Date.now(), raw: null, jobId: row.jobId, attempts: 0 });
          this.count('waiting', 1);
        }
        continue;
      }
      finished.push({ raw, row });
    }
    await this.retries!.prime(finished.map((f) => f.row));
    for (const { raw, row } of finished) {
      const id = row.jobHistoryId;
      const event = await this.map(row, raw);
      if (event === null) continue;
      done.push(id);
      events.push({ event, idempotencyKey: polledEventKey(row) });
      ends.push(row.operationEnd);
    }
    return { events, ends, done, scanned };
  }

  /**
   * Commits a prepared page with the cursor it allows. The cursor is computed before the first await,
   * so rows a later page adds to the open set meanwhile (all above this page) cannot affect it.
   */
  private async store({ events, ends, done, scanned }: PreparedPage): Promise<void> {
    // Rows leave the open set only once their events are committed: a failed commit reads them again.
    const leaving = new Set(done);
    const lowestOpen = Math.min(Infinity, ...[...this.open.keys()].filter((id) => !leaving.has(id)));
    const cursor = Math.max(this.book.cursor!, Math.min(scanned, lowestOpen - 1));
    const newestEnd = ends.reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), this.book.newestEnd);
    const results = await this.commit(events, cursor, newestEnd);
    for (const id of done) this.open.delete(id);
    const created = results.filter((r) => r.created).length;
    this.count('stored', created);
    this.count('duplicate', results.length - created);
    this.book.cursor = cursor;
    this.book.scannedTo = Math.max(this.book.scannedTo!, scanned);
    this.book.newestEnd = newestEnd;
    this.book.open = this.openRows();
    this.book.settleRowProblems();
    if (created > 0) this.options.onStored?.();
  }

  private openRows(): OpenRowInfo[] {
    return [...this.open.entries()].sort(([a], [b]) => a - b).map(([id, o]) => openInfo(id, o));
  }

  private parse(raw: unknown, id: number): HistoryRow | null {
    try {
      return parseHistoryRow(raw, this.options.config.timeZone);
    } catch (e) {
      // One broken row is held like an unmappable one: it must not stop the rows after it for ever.
      this.hold(id, raw, null, new PollerError('POLL_ROW_MALFORMED', (e as Error).message));
      return null;
    }
  }

  private async map(row: HistoryRow, raw: unknown): Promise<WireEvent | null> {
    try {
      return await rowToEvent(row, this.directory, () => this.retries!.countFor(row));
    } catch (e) {
      if (!(e instanceof PollerError) || !ROW_CODES.has(e.code)) throw e;
      this.hold(row.jobHistoryId, raw, row.jobId, e);
      return null;
    }
  }

  // A finished row that cannot be mapped waits (the cursor with it) for `unmappedAttempts` polls —
  // an agent registered or a store type added meanwhile maps it — then is skipped, logged and listed.
  private hold(id: number, raw: unknown, rowJobId: string | null, error: PollerError): void {
    const before = this.open.get(id);
    const attempts = (before?.kind === 'held' ? before.attempts : 0) + 1;
    const jobId = rowJobId ?? before?.jobId ?? null;
    if (attempts >= this.options.config.unmappedAttempts) {
      this.open.delete(id);
      this.book.skippedRow({ jobHistoryId: id, jobId, code: error.code, message: error.message, at: new Date().toISOString() });
      this.options.observer?.rows?.('skipped', 1);
      return;
    }
    this.open.set(id, { kind: 'held', since: before?.since ?? Date.now(), raw, jobId, code: error.code, message: error.message, attempts });
    this.book.rowProblem(error.code, error.message, { jobHistoryId: id, jobId, attemptsLeft: this.options.config.unmappedAttempts - attempts });
    this.count('held', attempts === 1 ? 1 : 0);
  }

  private vanished(id: number): void {
    this.open.delete(id);
    this.book.rowProblem('POLL_ROW_VANISHED', `job-history row ${id} was waited on but the platform no longer returns it; the cursor moves past it`, { jobHistoryId: id });
  }

  private async commit(events: readonly PolledEvent[], after: number, newestEnd: string | null) {
    try {
      return await this.options.store.appendPolled(this.options.source, events, encodeCursor({ after, newestEnd }));
    } catch (e) {
      throw new PollerError('POLL_STORE_FAILED', `storing ${events.length} polled event(s) failed: ${describeError(e).message}`, undefined, { cause: e });
    }
  }

  private count(outcome: RowOutcome, n: number): void {
    if (n === 0) return;
    this.book.row(outcome, n);
    this.options.observer?.rows?.(outcome, n);
  }
}

// Every row reaching `take` passed `newRows` or is held under its id, so it has one.
function idOf(raw: unknown): number {
  return historyIdOf(raw)!;
}

/** The rows of a page above `after`, each once, ascending; a page with a row without an id is malformed. */
function newRows(raw: readonly unknown[], after: number): unknown[] {
  const byId = new Map<number, unknown>();
  for (const r of raw) {
    const id = historyIdOf(r);
    if (id === undefined) throw new PollerError('POLL_PAGE_MALFORMED', `a job-history page has a row without a usable JobHistoryId: ${JSON.stringify(r)?.slice(0, 200)}`);
    if (id > after) byId.set(id, r);
  }
  return [...byId.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}

function openInfo(id: number, o: OpenRow): OpenRowInfo {
  return {
    jobHistoryId: id,
    jobId: o.jobId,
    kind: o.kind,
    since: new Date(o.since).toISOString(),
    ...(o.kind === 'held' ? { code: o.code, message: o.message, attempts: o.attempts } : {}),
  };
}
