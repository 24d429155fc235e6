import type { HandlerOutcome } from '../../store/handler-outcome.js';
import type { WireEvent } from '@jobhook/sdk/contract';

/** What the live feed tells subscribers: an event was stored, an outcome committed, an event done. */
export type LiveMessage =
  | { readonly type: 'accepted'; readonly eventId: string; readonly jobId: string; readonly jobType: string; readonly jobTypeId: string; readonly at: string }
  | {
      readonly type: 'outcome';
      readonly eventId: string;
      readonly replay: number;
      readonly plugin: string;
      readonly version: string;
      readonly handler: string;
      readonly outcome: HandlerOutcome['outcome'];
      readonly durationMs: number;
      readonly error?: { readonly code: string; readonly message: string };
      readonly at: string;
    }
  | { readonly type: 'done'; readonly eventId: string; readonly at: string };

type Listener = (message: LiveMessage) => void;

/**
 * In-process fan-out of what the service does, for the console's live view. Owned by the service;
 * `close` ends every subscription (so open streams never hold a shutdown).
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  /** Calls `listener` with every later message until the returned unsubscribe, or `onClose` at close. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  // Every accepted event, outcome and completion passes here, and most of the time no console is
  // open: with nobody listening, no message is built (its timestamp alone costs a microsecond).
  accepted(eventId: string, event: WireEvent): void {
    if (this.listeners.size === 0) return;
    this.publish({ type: 'accepted', eventId, jobId: event.jobId, jobType: event.jobType, jobTypeId: event.jobTypeId, at: new Date().toISOString() });
  }

  outcome(eventId: string, o: HandlerOutcome, replay: number): void {
    if (this.listeners.size === 0) return;
    this.publish({
      type: 'outcome',
      eventId,
      replay,
      plugin: o.plugin,
      version: o.version,
      handler: o.handler,
      outcome: o.outcome,
      durationMs: o.durationMs,
      ...(o.error ? { error: o.error } : {}),
      at: new Date().toISOString(),
    });
  }

  done(eventId: string): void {
    if (this.listeners.size === 0) return;
    this.publish({ type: 'done', eventId, at: new Date().toISOString() });
  }

  /** Ends every subscription; later subscribers are closed at once. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const closers = [...this.closers];
    this.listeners.clear();
    this.closers.clear();
    for (const close of closers) close();
  }

  private publish(message: LiveMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // One broken subscriber must not stop the others (each stream handles its own errors).
      }
    }
  }
}
