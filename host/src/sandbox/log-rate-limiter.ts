import type { PluginLogRecord } from './plugin-sandbox.js';

/**
 * The host's rate limit on one sandbox's log lines: a token bucket. Dropped lines are not silent:
 * the first drop of a run writes one warning, and the next admitted line is preceded by the count.
 */
export class LogRateLimiter {
  private tokens: number;
  private last: number;
  private dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Passes `record` to `write` when the budget allows, with the notices a drop run needs. */
  admit(record: PluginLogRecord, write: (record: PluginLogRecord) => void): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) {
      if (this.dropped === 0) {
        write(this.notice(`plugin log lines are being dropped: more than ${this.perSecond} lines/s (burst ${this.burst})`, {}));
      }
      this.dropped++;
      return;
    }
    this.tokens -= 1;
    this.flush(write);
    write(record);
  }

  /** Reports lines dropped since the last admitted one (call at dispose). */
  flush(write: (record: PluginLogRecord) => void): void {
    if (this.dropped === 0) return;
    const dropped = this.dropped;
    this.dropped = 0;
    write(this.notice(`${dropped} plugin log line(s) were dropped by the rate limit`, { dropped }));
  }

  private notice(message: string, fields: Record<string, unknown>): PluginLogRecord {
    return { level: 'warn', message, fields: { code: 'LOG_RATE_LIMITED', limitPerSecond: this.perSecond, ...fields }, invocationId: null };
  }
}
