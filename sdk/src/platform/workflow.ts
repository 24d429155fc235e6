// Workflow instances and signals: `GET Workflow/Instances?pq.queryString=Status -eq "Suspended"`,
// `GET Workflow/Instances/{id}`, `POST Workflow/Instances/{id}/Signals`.

/** A workflow instance's status, as Command names it (`Status -eq "Suspended"` in queries). */
export type WorkflowInstanceStatus = 'Unknown' | 'Running' | 'Suspended' | 'Complete' | 'Failed' | 'Rejected' | (string & {});

/** One workflow instance (the fields handlers use; Command sends more). */
export interface WorkflowInstance {
  readonly Id: string;
  readonly Status: WorkflowInstanceStatus;
  readonly CurrentStepId?: string | null;
  readonly CurrentStepDisplayName?: string | null;
  readonly CurrentStepUniqueName?: string | null;
  readonly StatusMessage?: string | null;
  readonly Title?: string | null;
  readonly DefinitionId?: string;
  readonly ReferenceId?: number | null;
  readonly InitialData?: Readonly<Record<string, unknown>> | null;
  readonly CurrentStateData?: Readonly<Record<string, unknown>> | null;
  /** Zone-less like other Command timestamps: read with `parsePlatformTimestamp`. */
  readonly LastModified?: string | null;
  readonly [field: string]: unknown;
}

/** The body of `POST Workflow/Instances/{id}/Signals`. */
export interface WorkflowSignal {
  /** The signal's key, e.g. `ApprovalStatus.Approve` or a custom step's signal name. */
  readonly SignalKey: string;
  readonly Data?: Readonly<Record<string, unknown>>;
}

/** The query selecting workflow instances in `status`, for `searchParams`. */
export function workflowInstancesQuery(status: WorkflowInstanceStatus): Record<string, string> {
  return { 'pq.queryString': `Status -eq "${status}"` };
}
