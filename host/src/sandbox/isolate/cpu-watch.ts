/** What the CPU watch reports when a bound is passed. */
export interface CpuWatchEvents {
  /** An invocation's share of the isolate's CPU time passed its budget. */
  invocationExceeded(invocationId: string, usedMs: number): void;
  /** The isolate kept using CPU while no invocation was in flight. */
  backgroundExceeded(usedMs: number, windowMs: number): void;
}

interface Tracked {
  /** The isolate's CPU time when the invocation began: it is charged everything after. */
  readonly startNs: bigint;
  readonly limitNs: bigint | null;
  reported: boolean;
}

const NS_PER_MS = 1_000_000n;

/**
 * Samples an isolate's CPU time (`isolate.cpuTime`) on a timer. isolated-vm bounds only synchronous
 * runs; this bounds the CPU an invocation spends across its awaits, and the CPU an isolate spends
 * after its handlers returned. With invocations in flight, each sample is charged to every one of
 * them: isolate CPU cannot be told apart per invocation, and all of it is the plugin's.
 */
export class CpuWatch {
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private last = 0n;
  private idleSince = 0;
  private idleNs = 0n;
  private readonly graceNs: bigint;

  constructor(
    private readonly read: () => bigint | undefined,
    private readonly backgroundCpuPercent: number,
    private readonly events: CpuWatchEvents,
    private readonly intervalMs = 100,
    private readonly windowMs = 1000,
  ) {
    this.graceNs = BigInt(2 * intervalMs) * NS_PER_MS;
  }

  start(): void {
    if (this.timer) return;
    this.last = this.read() ?? 0n;
    this.idleSince = performance.now();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  // Begin and end are O(1). Every invocation in flight is charged all the isolate's
  // CPU since it began, so its use is `last - startNs`; adding each sample to every tracked entry on
  // each begin/end cost O(in flight) BigInt work per call and halved pipelined throughput (bench/dispatch).

  /** Starts charging CPU to `invocationId`, up to `limitMs` (null: counted, not bounded). */
  begin(invocationId: string, limitMs: number | null): void {
    this.advance();
    const limitNs = limitMs === null ? null : BigInt(Math.max(1, Math.round(limitMs))) * NS_PER_MS;
    this.tracked.set(invocationId, { startNs: this.last, limitNs, reported: false });
  }

  end(invocationId: string): void {
    this.advance();
    const t = this.tracked.get(invocationId);
    if (t) this.check(invocationId, t);
    this.tracked.delete(invocationId);
    if (this.tracked.size === 0) {
      this.idleSince = performance.now();
      this.idleNs = 0n;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.tracked.clear();
  }

  /** Reads the isolate's CPU time; what passed with nothing in flight counts as background work. */
  private advance(): boolean {
    const now = this.read();
    if (now === undefined) return false;
    const delta = now > this.last ? now - this.last : 0n;
    this.last = now;
    if (this.tracked.size === 0) this.idleNs += delta;
    return true;
  }

  private check(id: string, t: Tracked): void {
    const usedNs = this.last - t.startNs;
    // Two samples of slack: the budget is checked on a timer, so a verdict is never earlier than
    // the CPU actually used, whatever the timer's jitter.
    if (!t.reported && t.limitNs !== null && usedNs > t.limitNs + this.graceNs) {
      t.reported = true;
      this.events.invocationExceeded(id, Number(usedNs / NS_PER_MS));
    }
  }

  private sample(): void {
    if (!this.advance()) return;
    if (this.tracked.size > 0) {
      for (const [id, t] of this.tracked) this.check(id, t);
      return;
    }
    const elapsed = performance.now() - this.idleSince;
    if (elapsed < this.windowMs) return;
    const usedMs = Number(this.idleNs / NS_PER_MS);
    this.idleSince = performance.now();
    this.idleNs = 0n;
    if (usedMs > (elapsed * this.backgroundCpuPercent) / 100) this.events.backgroundExceeded(usedMs, Math.round(elapsed));
  }
}
