import type { PlatformZone } from '@jobhook/sdk/platform';
import { JobHistoryStatus, historyIdOf, parseHistoryRow, type HistoryRow } from './history-row.js';
import type { JobHistoryClient } from './job-history-client.js';

interface JobState {
  /** The newest attempt of the job seen. */
  readonly lastId: number;
  /** How many attempts in a row, up to and including `lastId`, ended CompletedWillRetry. */
  readonly trailing: number;
}

// Attempts looked at when asking the platform about a job's earlier attempts (a job retrying more
// often than this has its count capped there).
const LOOKBACK = 50;
// Lookups of one page in flight at once: a restart meets every job afresh, and one lookup after
// another would make each page wait for as many round trips as it has jobs.
const LOOKUPS_AT_ONCE = 8;

/**
 * `currentRetryCount` for history rows, which do not carry it: the number of attempts of the same
 * JobId, just before this one, that ended CompletedWillRetry (0 on a first run, and again after an
 * attempt that ended for good). Jobs seen in this run are remembered; for a job first met, the
 * platform is asked for its earlier attempts — unless this run has read the history from its start,
 * in which case every earlier attempt has passed here already.
 */
export class RetryCounter {
  private readonly jobs = new Map<string, JobState>();
  /** Counts asked for ahead by `prime`, by JobId, for the row they were asked for. */
  private readonly primed = new Map<string, { readonly id: number; readonly count: number }>();
  private complete: boolean;

  constructor(
    private readonly client: JobHistoryClient,
    /** The Command server's zone, for the times of earlier rows. */
    private readonly zone: PlatformZone,
    /** True when this run reads the whole history from its first row. */
    readsFromStart: boolean,
    private readonly maxJobs = 50_000,
  ) {
    this.complete = readsFromStart;
  }

  /**
   * Asks the platform, several at once, about the jobs of a page (finished rows, ascending ids) that
   * `countFor` would have to look up, so mapping the page then waits for none of them.
   */
  async prime(rows: readonly HistoryRow[]): Promise<void> {
    this.primed.clear();
    const first = new Map<string, HistoryRow>();
    for (const row of rows) if (!first.has(row.jobId) && this.needsLookUp(row)) first.set(row.jobId, row);
    const queue = [...first.values()];
    const worker = async (): Promise<void> => {
      for (let row = queue.shift(); row !== undefined; row = queue.shift()) this.primed.set(row.jobId, { id: row.jobHistoryId, count: await this.lookUp(row) });
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, queue.length) }, worker));
  }

  /** The retry count of `row`, which is then remembered as its job's latest attempt. */
  async countFor(row: HistoryRow): Promise<number> {
    const known = this.jobs.get(row.jobId);
    const primed = this.primed.get(row.jobId);
    let count: number;
    if (known && known.lastId < row.jobHistoryId) count = known.trailing;
    else if (!known && this.complete) count = 0;
    else if (primed?.id === row.jobHistoryId) count = primed.count;
    else count = await this.lookUp(row);
    this.primed.delete(row.jobId);
    if (!known || known.lastId < row.jobHistoryId) this.remember(row.jobId, { lastId: row.jobHistoryId, trailing: row.status === JobHistoryStatus.CompletedWillRetry ? count + 1 : 0 });
    return count;
  }

  private needsLookUp(row: HistoryRow): boolean {
    const known = this.jobs.get(row.jobId);
    return known ? known.lastId >= row.jobHistoryId : !this.complete;
  }

  private async lookUp(row: HistoryRow): Promise<number> {
    const raw = await this.client.historyPage(`JobId -eq "${row.jobId}" AND JobHistoryId -lt ${row.jobHistoryId}`, LOOKBACK, false);
    const earlier = raw
      .filter((r) => (historyIdOf(r) ?? Infinity) < row.jobHistoryId)
      .flatMap((r) => {
        try {
          return [parseHistoryRow(r, this.zone)];
        } catch {
          return []; // an earlier row too broken to read cannot count as a retry
        }
      })
      .sort((a, b) => b.jobHistoryId - a.jobHistoryId);
    let count = 0;
    for (const r of earlier) {
      if (r.status !== JobHistoryStatus.CompletedWillRetry) break;
      count++;
    }
    return count;
  }

  private remember(jobId: string, state: JobState): void {
    // Re-inserted, so the map's order is least recently seen first.
    this.jobs.delete(jobId);
    this.jobs.set(jobId, state);
    if (this.jobs.size > this.maxJobs) {
      this.jobs.delete(this.jobs.keys().next().value!);
      this.complete = false;
    }
  }
}
