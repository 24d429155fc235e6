import { describeError } from '../../errors.js';
import type { HostLogger } from '../../logging/logger.js';

/** What the poller is doing. */
export type PollerState = 'starting' | 'polling' | 'backing-off' | 'stopped';

/** How each history row read ended up: stored as a new event, already stored, waiting, held, skipped. */
export type RowOutcome = 'stored' | 'duplicate' | 'waiting' | 'held' | 'skipped';

/** A row the cursor waits on: not finished yet (`waiting`), or finished but not mappable yet (`held`). */
export interface OpenRowInfo {
  readonly jobHistoryId: number;
  readonly jobId: string | null;
  readonly kind: 'waiting' | 'held';
  /** Since when (ISO). */
  readonly since: string;
  /** For a held row: why, and how many polls it has been tried. */
  readonly code?: string;
  readonly message?: string;
  readonly attempts?: number;
}

/** A finished row the poller gave up on and passed without an event. */
export interface SkippedRow {
  readonly jobHistoryId: number;
  readonly jobId: string | null;
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

/** `GET /v1/poller`. */
export interface PollerStatus {
  readonly state: PollerState;
  /** False while the last poll failed or rows are held unmapped: `/readyz` then reads `degraded`. */
  readonly healthy: boolean;
  readonly platform: string;
  readonly intervalMs: number;
  /** Every row up to this JobHistoryId is stored or skipped; null before the first poll. */
  readonly cursor: number | null;
  /** The highest JobHistoryId read so far. */
  readonly scannedTo: number | null;
  readonly open: { readonly waiting: number; readonly held: number; readonly rows: readonly OpenRowInfo[] };
  /** now − newest stored OperationEnd, in ms (null before the first event). */
  readonly lagMs: number | null;
  readonly newestOperationEnd: string | null;
  readonly lastPollAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly nextPollAt: string | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string; readonly consecutive: number } | null;
  readonly rowsSeen: number;
  readonly eventsStored: number;
  readonly duplicates: number;
  readonly rowsSkipped: number;
  readonly recentlySkipped: readonly SkippedRow[];
  /** Failures by code since the start. */
  readonly errors: Readonly<Record<string, number>>;
}

const KEEP_SKIPPED = 20;
const SHOW_OPEN = 20;

/**
 * The poller's counters, last error and state, and the rule that each kind of failure is logged once
 * (with its code) when it begins and once when it clears, not on every poll.
 */
export class PollerBook {
  state: PollerState = 'starting';
  cursor: number | null = null;
  scannedTo: number | null = null;
  newestEnd: string | null = null;
  open: OpenRowInfo[] = [];
  nextPollAt: number | null = null;
  private lastPollAt: number | null = null;
  private lastSuccessAt: number | null = null;
  private lastError: { code: string; message: string; at: number; consecutive: number } | null = null;
  private readonly counts: Record<RowOutcome, number> = { stored: 0, duplicate: 0, waiting: 0, held: 0, skipped: 0 };
  private readonly errors: Record<string, number> = {};
  private readonly skipped: SkippedRow[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly logger: HostLogger,
    private readonly platform: string,
    private readonly intervalMs: number,
  ) {}

  row(outcome: RowOutcome, n = 1): void {
    this.counts[outcome] += n;
  }

  /** A poll ended; `error` when it failed. */
  polled(error?: unknown): void {
    const now = Date.now();
    this.lastPollAt = now;
    if (error === undefined) {
      if (this.lastError) this.logger.info({ code: this.lastError.code, failures: this.lastError.consecutive }, `job-history polling recovered after ${this.lastError.consecutive} failed poll(s)`);
      for (const code of [...this.reported]) if (code.startsWith('POLL_PLATFORM') || code === 'POLL_PAGE_MALFORMED' || code === 'POLL_STORE_FAILED') this.reported.delete(code);
      this.lastError = null;
      this.lastSuccessAt = now;
      return;
    }
    const { code, message } = describeError(error);
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.lastError = { code, message, at: now, consecutive: (this.lastError?.consecutive ?? 0) + 1 };
    this.reportOnce(code, message, { error: { code, message } });
  }

  /** A row-level problem (held, skipped): counted, logged once per code while it lasts. */
  rowProblem(code: string, message: string, fields: Record<string, unknown>): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.reportOnce(code, message, fields);
  }

  /** Row-level codes no open row has any more may be logged again when they return. */
  settleRowProblems(): void {
    const live = new Set(this.open.map((o) => o.code));
    for (const code of [...this.reported]) if ((code === 'POLL_AGENT_UNKNOWN' || code === 'POLL_JOB_TYPE_UNKNOWN' || code === 'POLL_ROW_MALFORMED') && !live.has(code)) this.reported.delete(code);
  }

  skippedRow(row: SkippedRow): void {
    this.counts.skipped++;
    this.skipped.unshift(row);
    this.skipped.length = Math.min(this.skipped.length, KEEP_SKIPPED);
    this.logger.warn({ code: 'POLL_ROW_SKIPPED', jobHistoryId: row.jobHistoryId, jobId: row.jobId, reason: row.code }, `job-history row ${row.jobHistoryId} skipped without an event: ${row.message}`);
  }

  get lagMs(): number | null {
    return this.newestEnd === null ? null : Math.max(0, Date.now() - Date.parse(this.newestEnd));
  }

  status(): PollerStatus {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const held = this.open.filter((o) => o.kind === 'held').length;
    return {
      state: this.state,
      healthy: this.lastError === null && held === 0,
      platform: this.platform,
      intervalMs: this.intervalMs,
      cursor: this.cursor,
      scannedTo: this.scannedTo,
      open: { waiting: this.open.length - held, held, rows: this.open.slice(0, SHOW_OPEN) },
      lagMs: this.lagMs,
      newestOperationEnd: this.newestEnd,
      lastPollAt: iso(this.lastPollAt),
      lastSuccessAt: iso(this.lastSuccessAt),
      nextPollAt: iso(this.nextPollAt),
      lastError: this.lastError && { ...this.lastError, at: new Date(this.lastError.at).toISOString() },
      rowsSeen: this.counts.stored + this.counts.duplicate + this.counts.skipped,
      eventsStored: this.counts.stored,
      duplicates: this.counts.duplicate,
      rowsSkipped: this.counts.skipped,
      recentlySkipped: [...this.skipped],
      errors: { ...this.errors },
    };
  }

  private reportOnce(code: string, message: string, fields: Record<string, unknown>): void {
    if (this.reported.has(code)) return;
    this.reported.add(code);
    this.logger.warn({ code, ...fields }, `job-history polling: ${message} (logged once until it clears)`);
  }
}
