// The host hands an isolate every invocation it queued in one event-loop turn with one call, and a
// cross-isolate call costs tens of µs: one per invocation made the isolate's thread ping-pong bound.
// Answers go back the same way, but each invocation still answers on its own as it ends: what ends
// within the call's own turn rides back with the call's result; what ends later is delivered in
// batches of its own, so one slow handler holds no other answer back.

/** Microtask turns a batch call waits for its invocations before it returns what has ended so far. */
const SETTLE_HOPS = 32;
/** Microtask turns a late answer waits for others of the same turn before it is delivered. */
const LATE_HOPS = 4;
/** Strings per invocation in a batch: handler, event JSON, invocation id, host key. */
const ITEM = 4;

/** Runs one invocation and hands its JSON envelope to `done` when it has ended (never throws). */
export type RunInvocation = (handler: string, eventJson: string, invocationId: string, done: (envelope: string) => void) => void;

interface Window {
  open: boolean;
  /** Invocations of this batch that have not answered. */
  remaining: number;
  /** `[key, envelope, key, envelope, …]` */
  readonly answers: string[];
  readonly resolve: (answers: string[]) => void;
}

/** Where the starting loop of a batch is: what `recover` reports when a stop cut it short. */
interface Progress {
  readonly items: readonly unknown[];
  /** Index of the item whose synchronous start runs now, or -1. */
  running: number;
  /** Index of the first item not started. */
  next: number;
}

/**
 * Batches of invocations in one isolate. Its state lives in the runtime's closure, out of plugin
 * reach; the host checks every answer it gets (the plugin shares this isolate and could break it).
 */
export class InvocationBatches {
  private current: Window | null = null;
  private late: string[] = [];
  private lateScheduled = false;
  private readonly starting = new Map<string, Progress>();

  constructor(
    private readonly run: RunInvocation,
    private readonly deliver: (answers: string[]) => void,
  ) {}

  /**
   * Starts every invocation of `items` (`ITEM` strings each) and answers `[key, envelope, …]` for
   * those that ended within this turn (others' answers that ended meanwhile ride along).
   */
  start(batchId: string, items: readonly unknown[]): Promise<string[]> {
    let resolve!: (answers: string[]) => void;
    const result = new Promise<string[]>((r) => (resolve = r));
    // A window still open from an earlier turn was cut short by a stop (windows close within their
    // turn otherwise): what it holds goes out as late answers.
    this.closeStale();
    const window: Window = { open: true, remaining: 0, answers: [], resolve };
    this.current = window;
    const progress: Progress = { items, running: -1, next: 0 };
    this.starting.set(batchId, progress);
    for (let i = 0; i + ITEM <= items.length; i += ITEM) {
      const handler = items[i];
      const eventJson = items[i + 1];
      const invocationId = items[i + 2];
      const key = items[i + 3];
      progress.running = i;
      if (typeof handler === 'string' && typeof eventJson === 'string' && typeof invocationId === 'string' && typeof key === 'string') {
        window.remaining++;
        this.run(handler, eventJson, invocationId, (envelope) => this.answer(window, key, envelope));
      }
      progress.running = -1;
      progress.next = i + ITEM;
    }
    this.starting.delete(batchId);
    if (window.remaining === 0) this.close(window);
    else void this.settleWithin(window);
    return result;
  }

  /**
   * After the host stopped a batch call (its synchronous timeout): the key of the invocation whose
   * start was stopped ('' if none was starting), then the keys of those never started, which the
   * host may send again. Answers held for the stopped call go out as late ones.
   */
  recover(batchId: string): string[] {
    const progress = this.starting.get(batchId);
    this.starting.delete(batchId);
    this.closeStale();
    if (progress === undefined) return [''];
    const { items, running, next } = progress;
    const keyAt = (i: number): string => (typeof items[i + 3] === 'string' ? (items[i + 3] as string) : '');
    const out = [running >= 0 ? keyAt(running) : ''];
    for (let i = next; i + ITEM <= items.length; i += ITEM) if (i !== running) out.push(keyAt(i));
    return out;
  }

  private answer(window: Window, key: string, envelope: string): void {
    if (window.open) {
      window.answers.push(key, envelope);
      if (--window.remaining === 0) this.close(window);
      return;
    }
    const current = this.current;
    if (current !== null && current.open) {
      current.answers.push(key, envelope);
      return;
    }
    this.late.push(key, envelope);
    if (!this.lateScheduled) {
      this.lateScheduled = true;
      void this.flushLate();
    }
  }

  private async settleWithin(window: Window): Promise<void> {
    for (let i = 0; i < SETTLE_HOPS && window.open; i++) await undefined;
    if (window.open) this.close(window);
  }

  private close(window: Window): void {
    window.open = false;
    if (this.current === window) this.current = null;
    window.resolve(window.answers);
  }

  private closeStale(): void {
    const stale = this.current;
    if (stale === null || !stale.open) return;
    stale.open = false;
    this.current = null;
    for (let i = 0; i + 1 < stale.answers.length; i += 2) this.late.push(stale.answers[i]!, stale.answers[i + 1]!);
    if (this.late.length > 0 && !this.lateScheduled) {
      this.lateScheduled = true;
      void this.flushLate();
    }
  }

  private async flushLate(): Promise<void> {
    for (let i = 0; i < LATE_HOPS; i++) await undefined;
    this.lateScheduled = false;
    const answers = this.late;
    this.late = [];
    if (answers.length > 0) this.deliver(answers);
  }
}
