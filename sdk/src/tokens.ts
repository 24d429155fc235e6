import type { JobCompleteContext } from './context.js';
import type { OrchestratorJobStatusJobResult, CertStoreOperationType } from './enums.js';
import type { HttpClient } from './http-client.js';

/** Structured fields attached to a log line. Values must be JSON-serialisable. */
export type LogFields = Record<string, unknown>;

/**
 * The plugin's logger (injection token). Lines come out of the host's log as JSON, tagged with the
 * plugin id, handler, jobId and invocation id.
 */
export abstract class Logger {
  abstract debug(message: string, fields?: LogFields): void;
  abstract info(message: string, fields?: LogFields): void;
  abstract warn(message: string, fields?: LogFields): void;
  abstract error(message: string, fields?: LogFields): void;
}

/**
 * The plugin's options (injection token): the manifest's `config` defaults overridden by the admin's
 * `plugins.<id>.options`. Frozen. Inject as `@inject(PluginOptions) options: MyOptions` for a typed view.
 */
export abstract class PluginOptions {
  readonly [key: string]: unknown;
}

/** The current invocation's context (injection token), the same frozen object `runHandler` receives. */
export abstract class JobContext implements JobCompleteContext {
  abstract readonly agentId: string;
  abstract readonly username: string | null;
  abstract readonly clientMachine: string | null;
  abstract readonly jobResult: OrchestratorJobStatusJobResult;
  abstract readonly jobId: string;
  abstract readonly jobType: string;
  abstract readonly jobTypeId: string;
  abstract readonly operationType: CertStoreOperationType;
  abstract readonly certificateId: number | null;
  abstract readonly requestTimestamp: Date | null;
  abstract readonly currentRetryCount: number;
  abstract readonly source?: 'push' | 'poll';
  abstract readonly jobHistoryId?: number | null;
  abstract readonly client: HttpClient;
}

/**
 * The job types in force for the handler being built (injection token): the admin's
 * `plugins.<id>.handlers.<name>.jobTypes`, else plugin.json's list with symbolic names
 * (`WinCert:Inventory`, `custom:<name>`) resolved by the host. Handlers need not repeat GUIDs:
 * leave `jobTypes` out, or write `get jobTypes() { return this.types.value; }` for seed parity.
 */
export abstract class JobTypes {
  /** Lower-case job-type GUIDs. */
  abstract readonly ids: readonly string[];
  /** The same, comma-separated: the seed's `JobTypes` string. */
  abstract readonly value: string;
  /** Whether `jobTypeId` (any case, with or without braces) is one of them. */
  abstract has(jobTypeId: string): boolean;
}
