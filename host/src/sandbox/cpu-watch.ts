/** What the CPU watch reports when a bound is passed. */
export interface CpuWatchEvents {
  /** An invocation's share of the isolate's CPU time passed its budget. */
  invocationExceeded(invocationId: string, usedMs: number): void;
  /** The isolate kept using CPU while no invocation was in flight. */
  backgroundExceeded(usedMs: number, windowMs: number): void;
}

interface Tracked {
  usedNs: bigint;
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

  /** Starts charging CPU to `invocationId`, up to `limitMs` (null: counted, not bounded). */
  begin(invocationId: string, limitMs: number | null): void {
    this.sample();
    const limitNs = limitMs === null ? null : BigInt(Math.max(1, Math.round(limitMs))) * NS_PER_MS;
    this.tracked.set(invocationId, { usedNs: 0n, limitNs, reported: false });
  }

  end(invocationId: string): void {
    this.sample();
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

  private sample(): void {
    const now = this.read();
    if (now === undefined) return;
    const delta = now > this.last ? now - this.last : 0n;
    this.last = now;
    if (this.tracked.size > 0) {
      for (const [id, t] of this.tracked) {
        t.usedNs += delta;
        // One sample of slack: a synchronous run is stopped by isolated-vm's own timeout at the
        // limit, which keeps the isolate; this watch is for CPU spread across awaits.
        if (!t.reported && t.limitNs !== null && t.usedNs > t.limitNs + this.graceNs) {
          t.reported = true;
          this.events.invocationExceeded(id, Number(t.usedNs / NS_PER_MS));
        }
      }
      return;
    }
    this.idleNs += delta;
    const elapsed = performance.now() - this.idleSince;
    if (elapsed < this.windowMs) return;
    const usedMs = Number(this.idleNs / NS_PER_MS);
    this.idleSince = performance.now();
    this.idleNs = 0n;
    if (usedMs > (elapsed * this.backgroundCpuPercent) / 100) this.events.backgroundExceeded(usedMs, Math.round(elapsed));
  }
}
