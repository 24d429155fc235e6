import type { ErrorInfo, Outcome } from '@jobhook/sdk/contract';
import type { InvocationLogs } from './invocation-log-capture.js';

export type { Outcome } from '@jobhook/sdk/contract';

/** One matched handler's result for one event. */
export interface HandlerOutcome {
  readonly plugin: string;
  readonly version: string;
  readonly handler: string;
  readonly outcome: Outcome;
  readonly durationMs: number;
  readonly invocationId: string;
  readonly error?: ErrorInfo;
  /** The plugin's log lines of this invocation, bounded (kept with the outcome for the console). */
  readonly logs?: InvocationLogs;
}
