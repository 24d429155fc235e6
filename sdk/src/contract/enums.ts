// The platform's numeric enums, with the numbers Keyfactor's API and agents put on the wire. No
// imports: the in-isolate runtime bundles this file.

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

/** A job history row's `Status`, with Command's wire numbers. */
export enum JobHistoryStatus {
  Unknown = 0,
  Waiting = 1,
  InProcess = 2,
  Completed = 3,
  Acknowledged = 4,
  CompletedWillRetry = 5,
}

/** The member names of a numeric enum (TypeScript also maps each number back to its name). */
export function enumNames(e: Readonly<Record<string, string | number>>): string[] {
  return Object.keys(e).filter((k) => typeof e[k] === 'number');
}

/** The member numbers of a numeric enum, in declaration order. */
export function enumNumbers(e: Readonly<Record<string, string | number>>): number[] {
  return enumNames(e).map((k) => e[k] as number);
}
