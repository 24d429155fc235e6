/** Result of an orchestrator job, with Keyfactor's wire numbers (`OrchestratorJobStatusJobResult`). */
export enum OrchestratorJobStatusJobResult {
  Unknown = 0,
  Success = 2,
  Warning = 3,
  Failure = 4,
}

/** Certificate-store operation of a job, with Keyfactor's wire numbers (`CertStoreOperationType`). */
export enum CertStoreOperationType {
  Unknown = 0,
  Inventory = 1,
  Add = 2,
  Remove = 3,
  Create = 4,
  CreateAdd = 5,
  Reenrollment = 6,
  Discovery = 7,
  SetPassword = 8,
  FetchLogs = 9,
}
