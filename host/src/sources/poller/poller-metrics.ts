import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PollerObserver } from './job-history-poller.js';
import type { RowOutcome } from './poller-status.js';

const OUTCOMES: readonly RowOutcome[] = ['stored', 'duplicate', 'waiting', 'held', 'skipped'];

/** The poller's Prometheus metrics, registered on the service's registry. */
export function pollerMetrics(registry: Registry, lagMs: () => number | null): PollerObserver {
  const registers = [registry];
  const duration = new Histogram({
    name: 'jobhook_poll_duration_seconds',
    help: 'Duration of one job-history poll (every page it read and stored), by result',
    labelNames: ['result'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers,
  });
  const rows = new Counter({ name: 'jobhook_poll_rows_total', help: 'Job-history rows read, by outcome: stored, duplicate (already stored), waiting (not finished), held (unmappable, retried), skipped', labelNames: ['outcome'], registers });
  for (const outcome of OUTCOMES) rows.inc({ outcome }, 0);
  new Gauge({
    name: 'jobhook_poll_lag_seconds',
    help: 'Now minus the newest OperationEnd among stored polled events',
    registers,
    collect() {
      const lag = lagMs();
      if (lag !== null) this.set(lag / 1000);
    },
  });
  return {
    poll: (ms, ok) => duration.observe({ result: ok ? 'ok' : 'failed' }, ms / 1000),
    rows: (outcome, n) => rows.inc({ outcome }, n),
  };
}
