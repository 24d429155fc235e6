import type { InvocationOutcome } from '@jobhook/sdk/contract';

export type { Outcome } from '@jobhook/sdk/contract';

/** One matched handler's result for one event: the contract's record, with the plugin's log lines. */
export interface HandlerOutcome extends InvocationOutcome {
  /** The plugin's log lines of this invocation, bounded (kept with the outcome for the console). */
  readonly logs?: InvocationLogs;
}

/** One plugin log line as kept with an outcome. */
export interface InvocationLogLine {
  readonly at: string;
  readonly level: string;
  readonly message: string;
  /** The plugin's own fields, when it gave any. */
  readonly fields?: Record<string, unknown>;
}

/** The log lines of one invocation, bounded; `truncated` says lines were left out. */
export interface InvocationLogs {
  readonly lines: readonly InvocationLogLine[];
  readonly truncated: boolean;
}
