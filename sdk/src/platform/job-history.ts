// `GET OrchestratorJobs/JobHistory` answers, as Command sends them. `Status`'s enum is part of the
// wire contract, declared there.
export { JobHistoryStatus } from '../contract/enums.js';

/**
 * One row of `GET OrchestratorJobs/JobHistory`. A row is created while the job runs (`InProcess`,
 * `OperationEnd` null) and updated in place when it ends. `Result` and `Status` are numbers or
 * names depending on the Command version: read them with `parseJobResult` / `parseJobHistoryStatus`.
 * `OperationStart`/`OperationEnd` carry no zone: read them with `parsePlatformTimestamp`.
 * Careful: `ClientMachine` here is the store's host; the handler context's is the orchestrator (`AgentMachine`).
 */
export interface JobHistoryEntry {
  readonly JobHistoryId: number;
  readonly AgentMachine: string;
  /** Some versions spell it `JobID`. */
  readonly JobId?: string;
  readonly JobID?: string;
  readonly Schedule?: unknown;
  /** Store type short name + job kind, e.g. `WinCertInventory`. */
  readonly JobType: string;
  readonly OperationStart: string;
  readonly OperationEnd: string | null;
  readonly Message: string | null;
  readonly Result: number | string;
  readonly Status: number | string;
  readonly StorePath: string | null;
  readonly ClientMachine: string | null;
}

/** The query parameters of `GET OrchestratorJobs/JobHistory` (newer versions also accept them without `pq.`). */
export interface JobHistoryQuery {
  readonly 'pq.queryString'?: string;
  readonly 'pq.pageReturned'?: number;
  readonly 'pq.returnLimit'?: number;
  readonly 'pq.sortField'?: string;
  /** 0 ascending, 1 descending. */
  readonly 'pq.sortAscending'?: 0 | 1;
}

/** The search parameters that select the history of one job, e.g. `client.get('OrchestratorJobs/JobHistory', { searchParams: jobHistoryQuery(ctx.jobId) })`. */
export function jobHistoryQuery(jobId: string, options: { readonly returnLimit?: number; readonly newestFirst?: boolean } = {}): Record<string, string | number> {
  return {
    'pq.queryString': `JobID -eq "${jobId}"`,
    'pq.sortField': 'JobHistoryId',
    'pq.sortAscending': options.newestFirst === false ? 0 : 1,
    ...(options.returnLimit !== undefined ? { 'pq.returnLimit': options.returnLimit } : {}),
  };
}
