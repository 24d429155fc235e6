// Custom orchestrator jobs: scheduled with `POST OrchestratorJobs/Custom`, read back with
// `GET OrchestratorJobs/JobStatus/Data?jobHistoryId=<id>`.

/** The body of `POST OrchestratorJobs/Custom`. */
export interface CustomJobRequest {
  /** The orchestrator (agent) that runs the job. */
  readonly AgentId: string;
  /** The custom job type's name (`GET JobTypes/Custom` lists them). */
  readonly JobTypeName: string;
  /** Omitted: run immediately. */
  readonly Schedule?: { readonly Immediate?: boolean; readonly ExactlyOnce?: { readonly Time: string }; readonly [kind: string]: unknown };
  readonly JobFields?: Readonly<Record<string, unknown>>;
}

/** What `POST OrchestratorJobs/Custom` answers. */
export interface CustomJobResponse {
  readonly JobId: string;
  readonly OrchestratorId: string;
  readonly JobTypeName: string;
  readonly Schedule: unknown;
  readonly JobFields: Readonly<Record<string, unknown>> | null;
  readonly RequestTimestamp: string;
}

/** What `GET OrchestratorJobs/JobStatus/Data?jobHistoryId=<id>` answers: the custom job's result data, as a string. */
export interface JobStatusData {
  readonly JobHistoryId: number;
  /** Often JSON written by the orchestrator extension: parse it yourself. */
  readonly Data: string | null;
}

/** A custom job type, as `GET JobTypes/Custom` lists it. */
export interface CustomJobType {
  readonly Id: string;
  readonly JobTypeName: string;
  readonly Description?: string;
  readonly [field: string]: unknown;
}

/** A certificate store type, as `GET CertificateStoreTypes/Name/{shortName}` answers (the fields handlers use). */
export interface CertificateStoreType {
  readonly StoreType: number;
  readonly Name: string;
  readonly ShortName: string;
  readonly InventoryJobType: string | null;
  readonly ManagementJobType: string | null;
  /** The job type of re-enrollment jobs. */
  readonly EnrollmentJobType: string | null;
  readonly DiscoveryJobType: string | null;
  readonly [field: string]: unknown;
}
