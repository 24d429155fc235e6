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
}
