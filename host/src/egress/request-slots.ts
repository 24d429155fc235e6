import { EgressLimitError } from './egress-error.js';

interface Waiter {
  readonly grant: () => void;
  readonly fail: (e: unknown) => void;
}

/**
 * At most `max` requests of one plugin version in flight; up to `maxQueued` more wait in order.
 * A waiter whose signal aborts (timeout, invocation end) leaves the queue.
 */
export class RequestSlots {
  private active = 0;
  private readonly queue = new Set<Waiter>();

  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  /** Resolves with the slot's release function (idempotent). */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.size >= this.maxQueued) {
      return Promise.reject(
        new EgressLimitError('EGRESS_QUEUE_FULL', `the plugin already has ${this.active} requests in flight and ${this.queue.size} waiting (egress.maxConcurrentPerPlugin / maxQueuedPerPlugin)`),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.queue.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        fail: reject,
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.add(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.values().next();
      if (!next.done) {
        this.queue.delete(next.value);
        next.value.grant();
      } else {
        this.active--;
      }
    };
  }
}
