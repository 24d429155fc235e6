import { Worker } from 'node:worker_threads';
import { StoreError } from './store-error.js';
import type { WriteOp, WriteResult } from './sqlite-writes.js';

interface Queued {
  readonly op: WriteOp;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type WriterMessage = { results: string } | { failure: string } | { fatal: string } | { closed: true };

/**
 * Group commit on a writer thread. Writes queued while a batch commits go out together as the next
 * batch (one transaction, one fsync), and each caller's promise settles only after its batch
 * committed. The event loop keeps parsing requests while the disk syncs.
 */
export class WriterThread {
  private queue: Queued[] = [];
  private inFlight: Queued[] | null = null;
  private scheduled = false;
  private closing: Promise<void> | null = null;
  private failure: StoreError | null = null;
  private readonly worker: Worker;
  private exited!: Promise<void>;

  constructor(
    file: string,
    private readonly maxBatch = 2000,
  ) {
    this.worker = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData: { file } });
    // Held alive only while a batch is out, so an idle store never keeps the process running.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (m: WriterMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(`the writer thread failed: ${e.message}`));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(`the writer thread exited with code ${code}`);
    });
  }

  /** Queues `op` for the next batch; resolves with its result once committed. */
  enqueue<T>(op: WriteOp): Promise<T> {
    if (this.closing) return Promise.reject(new StoreError('STORE_CLOSED', 'the event store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits what is queued, then stops the thread; later writes are refused. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while ((this.inFlight || this.queue.length > 0) && !this.failure) await new Promise((r) => setTimeout(r, 1));
      if (!this.failure) {
        this.worker.ref();
        this.worker.postMessage({ close: true });
      } else {
        await this.worker.terminate();
      }
      await this.exited;
    })();
    return this.closing;
  }

  // One tick's worth of writes goes out together; while a batch is out, the next one accumulates.
  private schedule(): void {
    if (this.inFlight || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  private send(): void {
    if (this.inFlight || this.queue.length === 0 || this.failure) return;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    this.inFlight = batch;
    this.worker.ref();
    // One JSON string crosses cheaper than a structured clone of many small objects.
    this.worker.postMessage({ ops: JSON.stringify(batch.map((q) => q.op)) });
  }

  private onMessage(m: WriterMessage): void {
    if ('fatal' in m) return this.fail(`the writer thread could not open the store: ${m.fatal}`);
    if ('closed' in m) return;
    const batch = this.inFlight ?? [];
    this.inFlight = null;
    this.worker.unref();
    if ('failure' in m) {
      const error = new StoreError('STORE_WRITE_FAILED', `the event store could not commit ${batch.length} write(s): ${m.failure}`);
      for (const q of batch) q.reject(error);
    } else {
      const results = JSON.parse(m.results) as WriteResult[];
      batch.forEach((q, i) => {
        const r = results[i]!;
        if (r.ok) q.resolve(r.value);
        else q.reject(new StoreError(r.code, r.message));
      });
    }
    this.schedule();
  }

  // The thread is gone: everything waiting fails, and so does every later write.
  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new StoreError('STORE_WRITE_FAILED', message);
    for (const q of [...(this.inFlight ?? []), ...this.queue]) q.reject(this.failure);
    this.inFlight = null;
    this.queue = [];
  }
}
