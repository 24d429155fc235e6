/** How one handler's invocation ended (design §3.5). */
export type Outcome = 'succeeded' | 'failed' | 'error' | 'timeout' | 'crashed' | 'rejected';

/** One matched handler's result for one event. */
export interface HandlerOutcome {
  readonly plugin: string;
  readonly version: string;
  readonly handler: string;
  readonly outcome: Outcome;
  readonly durationMs: number;
  readonly invocationId: string;
  readonly error?: { readonly code: string; readonly message: string };
}
