/**
 * The host side of an isolate's timers: each `sleep` is a host timer owned here, bounded in number,
 * and cleared on dispose so a disposed plugin leaves nothing scheduled.
 */
export class SleepTimers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly maxPending: number) {}

  /**
   * Resolves after `ms`; rejects (never throws) past the pending limit. After dispose it never
   * settles: the isolate is gone, and a rejection nobody can receive would be an unhandled rejection
   * in this process (which Node turns into a crash).
   */
  sleep(ms: unknown): Promise<void> {
    if (this.disposed) return new Promise<void>(() => {});
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(Object.assign(new Error(`too many pending timers (limit ${this.maxPending})`), { code: 'TIMER_LIMIT' }));
    }
    const delay = Math.min(Math.max(0, Number(ms) || 0), 2 ** 31 - 1);
    return new Promise<void>((resolve) => {
      const handle = setTimeout(() => {
        this.pending.delete(handle);
        resolve();
      }, delay);
      this.pending.add(handle);
    });
  }

  get size(): number {
    return this.pending.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}
