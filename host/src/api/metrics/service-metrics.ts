import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OUTCOMES, type Outcome } from '@jobhook/sdk/contract';
import type { HandlerOutcome } from '../../store/handler-outcome.js';
import type { PluginChange, PluginRegistry } from '../../plugins/registry/plugin-registry.js';
import type { EventStore } from '../../store/event-store.js';

/** Invocations of one plugin by outcome since the service started. */
export type OutcomeCounts = Record<Outcome, number>;


/** What the gauges read when Prometheus scrapes. */
export interface MetricSources {
  readonly plugins: Pick<PluginRegistry, 'list' | 'instance'>;
  readonly store: Pick<EventStore, 'queueDepth'>;
}

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * hosts in one process, or a test run, never mix their figures).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly perPlugin = new Map<string, OutcomeCounts>();
  private sources: MetricSources | null = null;
  private readonly accepted: Counter<'result'>;
  private readonly dispatched: Counter;
  private readonly outcomes: Counter<'plugin' | 'handler' | 'outcome'>;
  private readonly duration: Histogram<'plugin' | 'handler'>;
  private readonly egress: Counter<'plugin' | 'status'>;
  private readonly reloads: Counter<'plugin' | 'kind'>;
  private readonly pruned: Counter;

  constructor() {
    const registers = [this.registry];
    this.accepted = new Counter({
      name: 'jobhook_events_received_total',
      help: 'Job-completion events posted, by result: accepted (stored), duplicate (idempotent replay), invalid (400)',
      labelNames: ['result'],
      registers,
    });
    this.dispatched = new Counter({ name: 'jobhook_events_dispatched_total', help: 'Events whose matching handlers all have a recorded outcome', registers });
    this.outcomes = new Counter({ name: 'jobhook_handler_outcomes_total', help: 'Handler invocations by plugin, handler and outcome', labelNames: ['plugin', 'handler', 'outcome'], registers });
    this.duration = new Histogram({
      name: 'jobhook_handler_duration_seconds',
      help: 'Handler invocation duration, queueing in the plugin included',
      labelNames: ['plugin', 'handler'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.egress = new Counter({ name: 'jobhook_egress_requests_total', help: 'Platform API requests made by plugins, by plugin and HTTP status (or error code)', labelNames: ['plugin', 'status'], registers });
    this.reloads = new Counter({ name: 'jobhook_plugin_changes_total', help: 'Plugin versions added, replaced, removed or refused', labelNames: ['plugin', 'kind'], registers });
    this.pruned = new Counter({ name: 'jobhook_events_pruned_total', help: 'Done events deleted by retention', registers });
    this.accepted.inc({ result: 'accepted' }, 0);
    this.accepted.inc({ result: 'duplicate' }, 0);
    this.accepted.inc({ result: 'invalid' }, 0);
    const metrics = this;
    new Gauge({
      name: 'jobhook_queue_depth',
      help: 'Accepted events not done yet, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        if (!metrics.sources) return;
        const depth = await metrics.sources.store.queueDepth();
        this.set({ status: 'pending' }, depth.pending);
        this.set({ status: 'dispatching' }, depth.dispatching);
      },
    });
    new Gauge({
      name: 'jobhook_plugins',
      help: 'Plugins by state',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const p of metrics.sources?.plugins.list() ?? []) this.inc({ state: p.state });
      },
    });
    new Gauge({
      name: 'jobhook_isolate_heap_bytes',
      help: 'V8 heap used by each active plugin version',
      labelNames: ['plugin'],
      registers,
      async collect() {
        this.reset();
        const plugins = metrics.sources?.plugins;
        if (!plugins) return;
        await Promise.allSettled(
          plugins.list().map(async (p) => {
            const instance = p.state === 'active' ? plugins.instance(p.id) : undefined;
            if (instance) this.set({ plugin: p.id }, (await instance.stats()).heapUsedBytes);
          }),
        );
      },
    });
  }

  /** Gives the gauges what they read; until then they report nothing. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  eventReceived(result: 'accepted' | 'duplicate' | 'invalid'): void {
    this.accepted.inc({ result });
  }

  eventDispatched(): void {
    this.dispatched.inc();
  }

  handlerOutcome(o: HandlerOutcome): void {
    this.outcomes.inc({ plugin: o.plugin, handler: o.handler, outcome: o.outcome });
    this.duration.observe({ plugin: o.plugin, handler: o.handler }, o.durationMs / 1000);
    let counts = this.perPlugin.get(o.plugin);
    if (!counts) {
      counts = Object.fromEntries(OUTCOMES.map((k) => [k, 0])) as OutcomeCounts;
      this.perPlugin.set(o.plugin, counts);
    }
    counts[o.outcome]++;
  }

  /** For the egress gateway: one request a plugin made, with its HTTP status or error code. */
  egressRequest(plugin: string, status: number | string): void {
    this.egress.inc({ plugin, status: String(status) });
  }

  pluginChanged(change: PluginChange): void {
    if (change.kind !== 'unchanged') this.reloads.inc({ plugin: change.id ?? change.folder, kind: change.kind });
  }

  eventsPruned(count: number): void {
    this.pruned.inc(count);
  }

  /** Invocations of `plugin` by outcome since the service started. */
  invocations(plugin: string): OutcomeCounts {
    return { ...(this.perPlugin.get(plugin) ?? (Object.fromEntries(OUTCOMES.map((k) => [k, 0])) as OutcomeCounts)) };
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
