// An accepted event as every store writes it, and how a second append under a used key is answered:
// written once, so the stores agree on the row and on the refusal.
import type { WireEvent } from '@jobhook/sdk/contract';
import { newEventId } from './event-id.js';

/** One event to insert: a new id, its idempotency key, the columns routing reads, and its JSON text. */
export interface AppendRow {
  readonly id: string;
  readonly key: string | null;
  readonly jobId: string;
  readonly jobTypeId: string;
  /** The event's one encoding on the host: this text is stored, and dispatched to isolates as it is. */
  readonly json: string;
  /** When it was accepted (epoch ms); its id starts with this time. */
  readonly at: number;
}

/** The row `event` is stored as, accepted at `at`. */
export function appendRow(event: WireEvent, key: string | null, at: number): AppendRow {
  return { id: newEventId(at), key, jobId: event.jobId, jobTypeId: event.jobTypeId, json: JSON.stringify(event), at };
}

/** The message of `IDEMPOTENCY_KEY_REUSED`: `key` already stands for event `firstId`, a different event. */
export function keyReusedMessage(key: string, firstId: string): string {
  return `the Idempotency-Key '${key}' was already used for a different event (${firstId}); use a new key for a new event`;
}
