import type { OrchestratorJobStatusJobResult, CertStoreOperationType } from './enums.js';
import type { HttpClient } from './http-client.js';

/**
 * A completed orchestrator job as JobHook receives it: Keyfactor's
 * `OrchestratorJobCompleteHandlerContext` without the client. GUIDs are lower-case strings.
 */
export interface JobCompleteEvent {
  /** Orchestrator (agent) that ran the job. */
  readonly agentId: string;
  /** Platform user that scheduled the job, when known. */
  readonly username: string | null;
  /** Machine the orchestrator runs on, when known. */
  readonly clientMachine: string | null;
  /** How the job ended. */
  readonly jobResult: OrchestratorJobStatusJobResult;
  /** Stable for a recurring job, new for a one-time job. */
  readonly jobId: string;
  /** Store type short name joined to the job kind, e.g. `WinCertInventory`. */
  readonly jobType: string;
  /** Job-type GUID the handler was routed by. */
  readonly jobTypeId: string;
  /** `Unknown` for inventory and re-enrollment; `Add`/`Remove` for management jobs. */
  readonly operationType: CertStoreOperationType;
  /** Null for inventory; set for management and re-enrollment jobs. */
  readonly certificateId: number | null;
  /** When the job was requested, when known. */
  readonly requestTimestamp: Date | null;
  /** 0 on the first run, +1 on each automatic platform retry. */
  readonly currentRetryCount: number;
  /**
   * `push` when the platform (or a tool) posted the event, `poll` when the host read it from the
   * platform's job history. A polled event cannot tell `operationType` (always `Unknown`),
   * `certificateId` and `requestTimestamp` (always null): a handler that needs them wants pushed events.
   */
  readonly source?: 'push' | 'poll';
  /** The job-history row (`JobHistoryId`) a polled event was read from; null for pushed events. */
  readonly jobHistoryId?: number | null;
}

/** What `runHandler` receives: the event plus the platform API client (frozen). */
export interface JobCompleteContext extends JobCompleteEvent {
  /** HTTP client for the platform API; requests are made by the host under the plugin's permissions. */
  readonly client: HttpClient;
}
