import type { OutcomeWrite } from './outcome-write.js';

/** An event marked done, after every matched handler's outcome is recorded (epoch ms). */
export interface CompleteWrite {
  readonly kind: 'complete';
  readonly eventId: string;
  readonly at: number;
}

/** A replay marked done, after every handler it selected has an outcome under its number. */
export interface CompleteReplayWrite {
  readonly kind: 'completeReplay';
  readonly eventId: string;
  readonly replay: number;
  readonly at: number;
}

/**
 * What the dispatch side writes as handlers end: outcomes and completions. Nobody outside waits for
 * these, so both SQL stores group many of them into one commit.
 */
export type DeliveryWrite = OutcomeWrite | CompleteWrite | CompleteReplayWrite;
