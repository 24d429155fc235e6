import { ConfigError } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';
import type { EventStore } from './event-store.js';

/** How long done events and their outcomes are kept unless `--retention` says otherwise. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 3600_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** Parses `--retention`: `30d`, `12h`, `90m`, `45s`, or a bare number of days. */
export function parseRetention(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNITS[(m[2] || 'd').toLowerCase()]! : Number.NaN;
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new ConfigError('CONFIG_RETENTION_INVALID', `--retention '${text}' is not a duration of at least 1 s; write e.g. 30d, 12h, 90m or 45s`);
  }
  return ms;
}

/**
 * Deletes done events older than the retention period: once at start, then every `intervalMs`.
 * Owns its timer; `dispose` stops it and waits for a sweep in progress.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly store: EventStore,
    private readonly retentionMs: number,
    private readonly logger: HostLogger,
    private readonly onPruned: (count: number) => void = () => {},
    private readonly intervalMs = Math.min(3600_000, Math.max(1000, retentionMs / 4)),
  ) {}

  start(): void {
    if (this.disposed || this.timer) return;
    this.sweep();
    this.timer = setInterval(() => this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs one sweep now (after the one in progress, if any). */
  sweep(): Promise<void> {
    this.running = this.running.then(async () => {
      if (this.disposed) return;
      const cutoff = new Date(Date.now() - this.retentionMs);
      try {
        const n = await this.store.prune(cutoff);
        if (n > 0) this.logger.info({ pruned: n, cutoff: cutoff.toISOString() }, `pruned ${n} done event(s) older than the retention period`);
        this.onPruned(n);
      } catch (e) {
        if (!this.disposed) this.logger.error({ error: { code: (e as { code?: string }).code, message: (e as Error).message } }, 'pruning old events failed');
      }
    });
    return this.running;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
