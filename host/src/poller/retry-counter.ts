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

/**
 * `currentRetryCount` for history rows, which do not carry it: the number of attempts of the same
 * JobId, just before this one, that ended CompletedWillRetry (0 on a first run, and again after an
 * attempt that ended for good). Jobs seen in this run are remembered; for a job first met, the
 * platform is asked for its earlier attempts — unless this run has read the history from its start,
 * in which case every earlier attempt has passed here already.
 */
export class RetryCounter {
  private readonly jobs = new Map<string, JobState>();
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

  /** The retry count of `row`, which is then remembered as its job's latest attempt. */
  async countFor(row: HistoryRow): Promise<number> {
    const known = this.jobs.get(row.jobId);
    let count: number;
    if (known && known.lastId < row.jobHistoryId) count = known.trailing;
    else if (!known && this.complete) count = 0;
    else count = await this.lookUp(row);
    if (!known || known.lastId < row.jobHistoryId) this.remember(row.jobId, { lastId: row.jobHistoryId, trailing: row.status === JobHistoryStatus.CompletedWillRetry ? count + 1 : 0 });
    return count;
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
