/** A validated, normalised event as it crosses into an isolate (JSON-safe: the date is ISO text). */
export interface WireEventData {
  readonly agentId: string;
  readonly username: string | null;
  readonly clientMachine: string | null;
  readonly jobResult: number;
  readonly jobId: string;
  readonly jobType: string;
  readonly jobTypeId: string;
  readonly operationType: number;
  readonly certificateId: number | null;
  readonly requestTimestamp: string | null;
  readonly currentRetryCount: number;
  /**
   * How the event reached the host: `push` (posted to the intake; also when absent) or `poll` (read
   * from the platform's job history, which cannot tell operationType, certificateId or requestTimestamp).
   */
  readonly source?: EventSource;
  /** The job-history row a polled event was read from (absent for pushed events). */
  readonly jobHistoryId?: number | null;
}

/** Where an event came from; absent on the wire means `push`. */
export type EventSource = 'push' | 'poll';
