import { Worker } from 'node:worker_threads';
import { StoreError } from '../store-error.js';
import type { WriteOp } from './sqlite-writes.js';
import { packOps, unpackResults, type TextBatch } from './writer-texts.js';

interface Queued {
  readonly op: WriteOp;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What the writer thread answers, once per commit: for the next `batches` batches it was sent, in order. */
type WriterMessage = { batches: number; results: TextBatch } | { batches: number; failure: string } | { fatal: string } | { closed: true };

/**
 * Group commit on a writer thread. Each turn of the event loop sends what it queued as one batch,
 * without waiting for earlier batches; the thread merges every batch waiting for it into one
 * transaction (one fsync), so the batches grow with the load while a quiet write is committed at
 * once. A caller's promise settles only after its write committed, and the event loop keeps
 * answering requests while the disk syncs.
 */
export class WriterThread {
  private queue: Queued[] = [];
  /** Batches sent and not answered yet, oldest first (the thread answers in order). */
  private readonly sent: Queued[][] = [];
  private scheduled = false;
  private closing: Promise<void> | null = null;
  private failure: StoreError | null = null;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string) {
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

  /** Queues `op` for this turn's batch; resolves with its result once committed. */
  enqueue<T>(op: WriteOp): Promise<T> {
    if (this.closing) return Promise.reject(new StoreError('STORE_CLOSED', 'the event store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  /** Why writes fail from now on, or null. */
  get error(): string | null {
    return this.failure?.message ?? null;
  }

  /** Commits what is queued, then stops the thread; later writes are refused. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while ((this.scheduled || this.sent.length > 0) && !this.failure) await new Promise((r) => setTimeout(r, 1));
      if (this.failure) await this.worker.terminate();
      else {
        this.worker.ref();
        this.worker.postMessage({ close: true });
      }
      await this.exited;
    })();
    return this.closing;
  }

  private send(): void {
    this.scheduled = false;
    if (this.queue.length === 0 || this.failure) return;
    const batch = this.queue;
    this.queue = [];
    this.sent.push(batch);
    this.worker.ref();
    // One JSON string crosses cheaper than a structured clone of many small objects; the texts
    // (events' JSON) cross beside it, not escaped inside it.
    this.worker.postMessage({ ops: packOps(batch.map((q) => q.op)) });
  }

  private onMessage(m: WriterMessage): void {
    if ('fatal' in m) return this.fail(`the writer thread could not open the store: ${m.fatal}`);
    if ('closed' in m) return;
    const committed = m.batches === 1 ? (this.sent.shift() ?? []) : this.sent.splice(0, m.batches).flat();
    if (this.sent.length === 0) this.worker.unref();
    if ('failure' in m) {
      const error = new StoreError('STORE_WRITE_FAILED', `the event store could not commit ${committed.length} write(s): ${m.failure}`);
      for (const q of committed) q.reject(error);
      return;
    }
    const results = unpackResults(committed.map((q) => q.op.kind), m.results);
    for (let i = 0; i < committed.length; i++) {
      const r = results[i]!;
      if (r.ok) committed[i]!.resolve(r.value);
      else committed[i]!.reject(new StoreError(r.code, r.message));
    }
  }

  // The thread is gone: everything waiting fails, and so does every later write.
  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new StoreError('STORE_WRITE_FAILED', message);
    for (const q of [...this.sent.flat(), ...this.queue]) q.reject(this.failure);
    this.sent.length = 0;
    this.queue = [];
  }
}
