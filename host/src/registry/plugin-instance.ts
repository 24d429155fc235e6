import type { ErrorInfo } from '@jobhook/sdk/protocol';
import type { InvocationScope, PluginEgress } from '../egress/egress-gateway.js';
import type { PluginLimits } from '../manifest/plugin-manifest.js';
import type { PluginPackage } from '../manifest/read-plugin-package.js';
import type { PluginSandbox, SandboxDeath, SandboxInvokeResult, SandboxStats } from '../sandbox/plugin-sandbox.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { InvocationLogCapture, type InvocationLogs } from './invocation-log-capture.js';
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
  private readonly gate: ConcurrencyGate;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly pkg: PluginPackage,
    readonly limits: PluginLimits,
    /** Handler name → normalised job-type GUIDs in force (admin's or manifest's, checked against the code). */
    readonly handlers: ReadonlyMap<string, readonly string[]>,
    private readonly sandbox: PluginSandbox,
    private readonly egress: PluginEgress,
    readonly book: InvocationBook,
    queueDepth: number,
    /** Handler name → where its job types came from and what symbolic names resolved to. */
    readonly jobTypeInfo: ReadonlyMap<string, HandlerJobTypes> = new Map(),
  ) {
    this.gate = new ConcurrencyGate(limits.concurrency, queueDepth);
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
    this.inFlight++;
    try {
      if (!(await this.gate.acquire())) {
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
        this.gate.release();
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
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
    if (this.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let wake!: () => void;
    await Promise.race([
      new Promise<void>((r) => this.idleWaiters.push((wake = r))),
      new Promise<void>((r) => (timer = setTimeout(r, this.limits.timeoutMs + 1000))),
    ]);
    clearTimeout(timer);
    // When the bound won, the waiter is not left behind for an invocation that may never end.
    this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
  }

  /** Marks the version failed (its sandbox died); it is no longer invoked. */
  markFailed(): void {
    if (this.stateValue !== 'disposed') this.stateValue = 'failed';
  }

  /** Releases sandbox and egress; idempotent. */
  async dispose(): Promise<void> {
    if (this.stateValue === 'disposed') return;
    this.stateValue = 'disposed';
    await this.sandbox.dispose();
    this.egress.dispose();
  }
}
