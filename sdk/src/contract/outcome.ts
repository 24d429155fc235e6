import type { ErrorInfo } from './error-info.js';

/** Every way one handler's invocation can end, in the order the console shows them. */
export const OUTCOMES = ['succeeded', 'failed', 'error', 'timeout', 'crashed', 'rejected'] as const;

/** How one handler's invocation ended. */
export type Outcome = (typeof OUTCOMES)[number];

/** An outcome a sandbox can answer for an invocation. */
export type SandboxOutcome = Exclude<Outcome, 'rejected'>;

/** The outcomes a sandbox answers; `rejected` (no capacity) is decided by the host before any sandbox is asked. */
export const SANDBOX_OUTCOMES: readonly SandboxOutcome[] = OUTCOMES.filter((o): o is SandboxOutcome => o !== 'rejected');

/** Outcomes an admin may want to run again after a fix (the handler ran and did not succeed). */
export const REPLAYABLE_OUTCOMES: readonly Outcome[] = ['failed', 'error', 'timeout', 'crashed'];

/** JSON Schema of an outcome value, with what each one means. */
export const outcomeEnumSchema = {
  type: 'string',
  enum: [...OUTCOMES],
  description: 'succeeded = returned true; failed = returned false; error = threw; timeout; crashed = isolate died; rejected = no capacity',
} as const;

/** One handler's invocation for one event, as the host records and reports it. */
export interface InvocationOutcome {
  readonly plugin: string;
  readonly version: string;
  readonly handler: string;
  readonly outcome: Outcome;
  readonly durationMs: number;
  readonly invocationId: string;
  readonly error?: ErrorInfo;
}
