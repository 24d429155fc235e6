import type { WorkerHealth } from './worker-protocol.js';

/** One heartbeat's figure of a process's committed memory, and when it was taken. */
interface Sample {
  readonly bytes: number;
  readonly at: number;
}

// Within the last eighth of the hard total, as sampled or as projected to the moment of death: an
// allocation failing there met the kernel's limit (the failed one itself can be most of what remains).
const NEAR_FRACTION = 0.875;
const MiB = (bytes: number): number => Math.round(bytes / 1048576);

/**
 * What a sandbox process's heartbeats said about its memory, kept to name a death that came without
 * V8's out-of-memory report: under RLIMIT_DATA, a malloc outside V8 (ICU's, for `Intl` objects) that
 * fails ends the process with SIGSEGV or SIGABRT, and nothing is printed.
 */
export class MemoryTrend {
  private last: Sample | null = null;
  private previous: Sample | null = null;

  /**
   * @param hardBytes the kernel's data limit on the process (0: none, so no death is named by it)
   * @param intervalMs how often samples come; a projection never reaches further than two of them
   */
  constructor(
    private readonly hardBytes: number,
    private readonly intervalMs: number,
  ) {}

  /** Keeps a heartbeat's figure: the committed data the limit counts, else the resident size. */
  record(health: WorkerHealth, at = performance.now()): void {
    const bytes = typeof health.dataBytes === 'number' ? health.dataBytes : health.rssBytes;
    if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return;
    this.previous = this.last;
    this.last = { bytes, at };
  }

  /**
   * Why a death by `signal` at `at` was the process meeting its hard total, or null when it was not
   * a signal such a failure sends, or the samples were not near the total.
   */
  judge(signal: NodeJS.Signals | null, at = performance.now()): string | null {
    const last = this.last;
    if (this.hardBytes <= 0 || last === null || (signal !== 'SIGSEGV' && signal !== 'SIGABRT')) return null;
    const prev = this.previous;
    // Memory growing fast outruns the samples: carry the last growth rate on to the death, briefly.
    const rate = prev !== null && last.at > prev.at ? Math.max(0, (last.bytes - prev.bytes) / (last.at - prev.at)) : 0;
    const since = Math.max(0, at - last.at);
    const projected = Math.min(this.hardBytes, last.bytes + rate * Math.min(since, 2 * this.intervalMs));
    if (projected < this.hardBytes * NEAR_FRACTION) return null;
    const trend = projected > last.bytes ? `, ~${MiB(projected)} MiB at its growth rate by the time it died` : '';
    return `${MiB(last.bytes)} MiB committed ${Math.round(since)} ms before${trend}, of its hard total of ${MiB(this.hardBytes)} MiB: an allocation failed at the kernel's limit`;
  }
}
