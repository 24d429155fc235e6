/**
 * Counts work in progress and lets an owner wait until there is none — the "drain" step of a
 * swap or a shutdown. Waiting never holds the work up; it only watches it end.
 */
export class InFlight {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  /** Marks one piece of work as started; the returned function (idempotent) marks it ended. */
  enter(): () => void {
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count--;
      if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** Runs `work` counted, and returns its result. */
  async track<T>(work: Promise<T>): Promise<T> {
    const leave = this.enter();
    try {
      return await work;
    } finally {
      leave();
    }
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  idle(timeoutMs?: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(wake);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
          resolve(false);
        }, timeoutMs);
        timer.unref?.();
      }
    });
  }
}
