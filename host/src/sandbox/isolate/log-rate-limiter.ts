import type { PluginLogRecord } from '../plugin-sandbox.js';

/** The byte budget beside the line budget: a few huge lines are a flood too. */
export interface LogByteBudget {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * The host's rate limit on one sandbox's log lines: two token buckets, lines and bytes (message plus
 * serialised fields); a line passes when both allow it. Dropped lines are not silent: the first drop
 * of a run writes one warning, and the next admitted line is preceded by the count.
 */
export class LogRateLimiter {
  private tokens: number;
  private byteTokens: number;
  private last: number;
  private dropped = 0;
  private droppedBytes = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly bytes: LogByteBudget = { perSecond: Infinity, burst: Infinity },
  ) {
    this.tokens = burst;
    this.byteTokens = bytes.burst;
    this.last = now();
  }

  /** Passes `record` (of `size` bytes) to `write` when the budget allows, with the notices a drop run needs. */
  admit(record: PluginLogRecord, write: (record: PluginLogRecord) => void, size = record.message.length): void {
    const t = this.now();
    const seconds = (t - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + seconds * this.perSecond);
    this.byteTokens = Math.min(this.bytes.burst, this.byteTokens + seconds * this.bytes.perSecond);
    this.last = t;
    if (this.tokens < 1 || this.byteTokens < size) {
      if (this.dropped === 0) {
        const why = this.tokens < 1 ? `more than ${this.perSecond} lines/s (burst ${this.burst})` : `more than ${this.bytes.perSecond} bytes/s (burst ${this.bytes.burst})`;
        write(this.notice(`plugin log lines are being dropped: ${why}`, {}));
      }
      this.dropped++;
      this.droppedBytes += size;
      return;
    }
    this.tokens -= 1;
    this.byteTokens -= size;
    this.flush(write);
    write(record);
  }

  /** Reports lines dropped since the last admitted one (call at dispose). */
  flush(write: (record: PluginLogRecord) => void): void {
    if (this.dropped === 0) return;
    const dropped = this.dropped;
    const droppedBytes = this.droppedBytes;
    this.dropped = 0;
    this.droppedBytes = 0;
    write(this.notice(`${dropped} plugin log line(s) (${droppedBytes} bytes) were dropped by the rate limit`, { dropped, droppedBytes }));
  }

  private notice(message: string, extra: Record<string, number>): PluginLogRecord {
    const limits: Record<string, number> = { limitPerSecond: this.perSecond };
    if (Number.isFinite(this.bytes.perSecond)) limits.limitBytesPerSecond = this.bytes.perSecond;
    return { level: 'warn', message, fields: {}, invocationId: null, notice: { code: 'LOG_RATE_LIMITED', ...limits, ...extra } };
  }
}
