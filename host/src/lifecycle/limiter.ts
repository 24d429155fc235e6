import { DisposedError } from './lifecycle-error.js';

/** Gives back a slot taken from a Limiter; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly refuse: (reason: unknown) => void;
}

/**
 * At most `limit` holders at once; up to `queueDepth` more wait in arrival order; past that a
 * caller is told at once (`undefined`) so that it can answer "no capacity" instead of piling up.
 * A waiter whose signal aborts leaves the queue with the signal's reason.
 */
export class Limiter {
  private running = 0;
  private readonly waiting = new Set<Waiter>();
  private closedReason: unknown;

  constructor(
    private readonly limit: number,
    private readonly queueDepth: number,
  ) {}

  /** Slots held now. */
  get active(): number {
    return this.running;
  }

  /** Callers waiting for a slot now. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Resolves with the slot's release, or `undefined` when the queue is full. */
  acquire(signal?: AbortSignal): Promise<Release | undefined> {
    if (this.closedReason !== undefined) return Promise.reject(this.closedReason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.size >= this.queueDepth) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        refuse: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(waiter);
    });
  }

  /** Refuses every waiter and every later caller; holders keep their slots until they release. */
  close(reason: unknown = new DisposedError('this limiter')): void {
    this.closedReason = reason;
    for (const waiter of this.waiting) waiter.refuse(reason);
    this.waiting.clear();
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.values().next();
      if (next.done) {
        this.running--;
        return;
      }
      // The slot passes straight to the next waiter, so `running` is unchanged.
      this.waiting.delete(next.value);
      next.value.grant(this.releaser());
    };
  }
}
