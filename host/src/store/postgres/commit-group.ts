/** What one grouped operation answered: its value, or an error that fails only its own caller. */
export type GroupResult<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

interface Queued<Op, R> {
  readonly op: Op;
  readonly resolve: (value: R) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Groups concurrent operations into shared commits: while `parallel` commits are in flight, new
 * operations queue, and the next commit takes all of them (up to `maxBatch`). Under load a commit
 * (one round trip and one WAL flush) serves hundreds of callers; alone, an operation goes at once.
 */
export class CommitGroup<Op, R> {
  private readonly queue: Array<Queued<Op, R>> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    /** Commits `ops` together; answers one result per op, or throws to fail them all. */
    private readonly commit: (ops: readonly Op[]) => Promise<ReadonlyArray<GroupResult<R>>>,
    private readonly options: { readonly maxBatch: number; readonly parallel: number },
  ) {}

  push(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once every queued operation has been committed or failed. */
  drained(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    while (this.running < this.options.parallel && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      void this.run(batch);
    }
    if (this.running === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(batch: Array<Queued<Op, R>>): Promise<void> {
    try {
      const results = await this.commit(batch.map((q) => q.op));
      batch.forEach((q, i) => {
        const r = results[i];
        if (r?.ok) q.resolve(r.value);
        else q.reject(r ? r.error : new Error('the commit gave no answer for this operation'));
      });
    } catch (e) {
      for (const q of batch) q.reject(e as Error);
    } finally {
      this.running--;
      this.kick();
    }
  }
}
