/**
 * Coalesces the messages one side sends during an event-loop turn into one IPC write. Each write
 * costs a syscall and a wake-up of the other process; with many invocations in flight, batching them
 * is what lets a sandbox process keep up (bench/dispatch: ~18k → ~24k events/s in a scratch run).
 * A lone message waits only until the end of the current turn (setImmediate).
 *
 * A batch is also written as soon as it holds `maxBatch` messages. With many invocations in flight,
 * end-of-turn batches alone lock both sides into one wave: the host sends all 64 events in one write,
 * the worker runs them and answers all 64 in one write, and each process waits while the other works,
 * so the two cores take turns. Writing every 32 lets the other side start on the first part while
 * this one prepares the rest: 12,000 → 20,000 events/s for one plugin at 64 in flight (bench/dispatch's
 * process rows, side by side), where 16 cost more in writes than it won.
 *
 *
 * A write that throws (a message past V8's string limit, one nested too deep to serialise, a closed
 * channel) must not escape the setImmediate that flushes, and must not take the rest of the batch with
 * it: the batch is retried message by message, and each message that still cannot go is handed to
 * `unsendable`, whose job is to fail only what depended on it.
 */
/** Messages in one write at most (see IpcBatcher). */
export const DEFAULT_MAX_BATCH = 32;

export class IpcBatcher<T> {
  private queue: T[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly write: (batch: T[]) => void,
    private readonly unsendable: (message: T, error: unknown) => void = () => {},
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  send(message: T): void {
    this.queue.push(message);
    if (this.queue.length >= this.maxBatch) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Writes a large message in a write of its own, after what is queued: serialising it is costly,
   * and if it fails, it must not be serialised a second time, nor take a batch with it.
   */
  sendAlone(message: T): void {
    this.flush();
    this.writeOneByOne([message]);
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.write(batch);
    } catch {
      this.writeOneByOne(batch);
    }
  }

  private writeOneByOne(batch: T[]): void {
    for (const message of batch) {
      try {
        this.write([message]);
      } catch (e) {
        try {
          this.unsendable(message, e);
        } catch {
          // the handler of a lost message must not lose the ones after it
        }
      }
    }
  }

  /** Drops what is queued (the channel is gone). */
  dispose(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.queue = [];
  }
}

/** The messages of one IPC read: a batch, or (from an older peer or a test) a lone message. */
export function unbatch(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : [raw];
}

/** A short description of why a message could not be sent (V8's messages can be long). */
export function sendFailure(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
