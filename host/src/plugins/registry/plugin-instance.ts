import type { ErrorInfo } from '@jobhook/sdk/protocol';
import type { InvocationScope, PluginEgress } from '../../egress/egress-gateway.js';
import type { Disposable } from '../../lifecycle/disposable.js';
import { InFlight } from '../../lifecycle/in-flight.js';
import { Limiter } from '../../lifecycle/limiter.js';
import type { PluginLimits } from '../package/plugin-manifest.js';
import type { PluginPackage } from '../package/read-plugin-package.js';
import type { PluginSandbox, SandboxDeath, SandboxInvokeResult, SandboxStats } from '../../sandbox/plugin-sandbox.js';
import { InvocationLogCapture, type InvocationLogs } from '../../delivery/invocation-log-capture.js';
import type { HandlerJobTypes } from './job-types-in-force.js';
import type { PluginState } from './plugin-state.js';

/** How one invocation ended, before dispatch adds plugin, version and duration. */
export type InvocationResult = (SandboxInvokeResult | { readonly outcome: 'rejected'; readonly error: ErrorInfo }) & { readonly logs?: InvocationLogs };

/** Invocations of one plugin version in flight, so log lines and HTTP calls can be attributed. */
export class InvocationBook {
  private readonly scopes = new Map<string, InvocationScope>();
  /** The plugin log lines of each invocation in flight, kept for its outcome. */
  readonly logs = new InvocationLogCapture();
  get(id: string | null): InvocationScope | undefined {
    return id === null ? undefined : this.scopes.get(id);
  }
  open(scope: InvocationScope): void {
    this.scopes.set(scope.invocationId, scope);
  }
  close(id: string): void {
    this.scopes.delete(id);
  }
}

/**
 * One loaded version of a plugin: its sandbox, its egress channel, its limits, and the count of what
 * it is running, so a replaced version can drain before it is disposed.
 */
export class PluginInstance {
  private stateValue: PluginState = 'active';
  readonly loadedAt = new Date();
  private readonly gate: Limiter;
  private readonly running = new InFlight();

  constructor(
    readonly pkg: PluginPackage,
    readonly limits: PluginLimits,
    /** Handler name → normalised job-type GUIDs in force (admin's or manifest's, checked against the code). */
    readonly handlers: ReadonlyMap<string, readonly string[]>,
    private readonly sandbox: PluginSandbox,
    private readonly egress: PluginEgress,
    /** Releases the sandbox, then the egress channel (the loader built them in the other order). */
    private readonly owned: Disposable,
    readonly book: InvocationBook,
    queueDepth: number,
    /** Handler name → where its job types came from and what symbolic names resolved to. */
    readonly jobTypeInfo: ReadonlyMap<string, HandlerJobTypes> = new Map(),
  ) {
    this.gate = new Limiter(limits.concurrency, queueDepth);
  }

  get id(): string {
    return this.pkg.manifest.id;
  }
  get version(): string {
    return this.pkg.manifest.version;
  }
  get state(): PluginState {
    return this.stateValue;
  }

  /** Runs `handler` on one event within the plugin's concurrency and deadline. */
  async invoke(handler: string, jobId: string, eventJson: string, invocationId: string): Promise<InvocationResult> {
    if (this.stateValue === 'disposed' || this.stateValue === 'failed') {
      return { outcome: 'crashed', error: { name: 'PluginError', code: 'PLUGIN_UNAVAILABLE', message: `plugin version ${this.version} is ${this.stateValue}` } };
    }
    const leave = this.running.enter();
    try {
      const release = await this.gate.acquire();
      if (release === undefined) {
        return {
          outcome: 'rejected',
          error: { name: 'PluginError', code: 'PLUGIN_AT_CAPACITY', message: `plugin '${this.id}' is at its concurrency limit (${this.limits.concurrency}) and its queue is full` },
        };
      }
      const scope: InvocationScope = { invocationId, handler, jobId, deadlineAt: Date.now() + this.limits.timeoutMs };
      this.book.open(scope);
      this.book.logs.begin(invocationId);
      try {
        const result = await this.sandbox.invoke({ invocationId, handler, eventJson, timeoutMs: this.limits.timeoutMs });
        const logs = this.book.logs.end(invocationId);
        return logs.lines.length > 0 || logs.truncated ? { ...result, logs } : result;
      } finally {
        this.book.logs.end(invocationId);
        this.book.close(invocationId);
        this.egress.endInvocation(invocationId);
        release();
      }
    } finally {
      leave();
    }
  }

  stats(): Promise<SandboxStats> {
    return this.sandbox.stats();
  }

  onDeath(listener: (death: SandboxDeath) => void): void {
    this.sandbox.onDeath(listener);
  }

  /** Marks the version as no longer routed and waits (bounded by its deadline) for in-flight work. */
  async drain(): Promise<void> {
    if (this.stateValue === 'active') this.stateValue = 'draining';
    // An invocation ends by its deadline; the margin lets its sandbox answer the timeout first.
    await this.running.idle(this.limits.timeoutMs + 1000);
  }

  /** Marks the version failed (its sandbox died); it is no longer invoked. */
  markFailed(): void {
    if (this.stateValue !== 'disposed') this.stateValue = 'failed';
  }

  /** Releases sandbox and egress; idempotent. */
  async dispose(): Promise<void> {
    if (this.stateValue === 'disposed') return;
    this.stateValue = 'disposed';
    await this.owned.dispose();
  }
}
