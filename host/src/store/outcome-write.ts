import type { HandlerOutcome } from './handler-outcome.js';

/** One handler outcome as every store writes it: flat columns, the time taken by the caller (epoch ms). */
export interface OutcomeWrite {
  readonly kind: 'outcome';
  readonly eventId: string;
  readonly plugin: string;
  readonly handler: string;
  readonly version: string;
  readonly outcome: string;
  readonly durationMs: number;
  readonly invocationId: string;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly attempt: number;
  readonly at: number;
  readonly replay: number;
  readonly logJson: string | null;
}

/** Flattens an outcome for `recordOutcome`; both stores write the same row from it. */
export function outcomeWrite(eventId: string, o: HandlerOutcome, attempt: number, replay: number): OutcomeWrite {
  return {
    kind: 'outcome',
    eventId,
    plugin: o.plugin,
    handler: o.handler,
    version: o.version,
    outcome: o.outcome,
    durationMs: o.durationMs,
    invocationId: o.invocationId,
    errorCode: o.error?.code ?? null,
    errorMessage: o.error?.message ?? null,
    attempt,
    at: Date.now(),
    replay,
    logJson: o.logs ? JSON.stringify(o.logs) : null,
  };
}
