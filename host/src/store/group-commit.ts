import type { Database } from 'better-sqlite3';
import { JobHookError } from '../errors.js';
import { StoreError } from './store-error.js';

interface QueuedWrite {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit: writes queued during one turn of the event loop run in one transaction, and each
 * caller's promise settles only after that transaction committed (so a 202 is never sent for an
 * event a crash could lose). With synchronous=FULL every commit is an fsync; sharing it between the
 * requests that arrived together is what lets intake keep up under load.
 */
export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly commit: (batch: QueuedWrite[]) => unknown[];

  constructor(
    db: Database,
    private readonly maxBatch = 2000,
  ) {
    // A deliberate refusal (a JobHookError thrown before the write wrote anything) fails only its
    // own caller; any other error rolls the whole transaction back.
    this.commit = db.transaction((batch: QueuedWrite[]) =>
      batch.map((w) => {
        try {
          return { ok: true, value: w.run() };
        } catch (e) {
          if (e instanceof JobHookError) return { ok: false, error: e };
          throw e;
        }
      }),
    );
  }

  /** Queues `write` for the next commit; resolves with its result once committed. */
  enqueue<T>(write: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('STORE_CLOSED', 'the event store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (v: unknown) => void, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now (used by close); later enqueues are refused. */
  close(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    while (this.queue.length > 0) this.flushSome();
  }

  private flush(): void {
    this.scheduled = null;
    this.flushSome();
    if (this.queue.length > 0 && !this.closed) this.scheduled = setImmediate(() => this.flush());
  }

  private flushSome(): void {
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    let results: unknown[];
    try {
      results = this.commit(batch);
    } catch (e) {
      const error = new StoreError('STORE_WRITE_FAILED', `the event store could not commit ${batch.length} write(s): ${(e as Error).message}`, undefined, { cause: e });
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i] as { ok: true; value: unknown } | { ok: false; error: unknown };
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }

  /** Writes waiting for the next commit. */
  get queued(): number {
    return this.queue.length;
  }
}
