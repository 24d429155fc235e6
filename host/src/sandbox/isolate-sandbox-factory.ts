import { IsolateSandbox, type IsolateSandboxLimits } from './isolate-sandbox.js';
import type { PluginSandbox, SandboxFactory, SandboxHostServices } from './plugin-sandbox.js';
import { RuntimeScript } from './runtime-script.js';

/** Counts live isolates, so tests and metrics can assert that nothing was left behind. */
export interface SandboxCensus {
  readonly live: number;
  readonly created: number;
}

/** Sandboxes as isolates in this process, sharing one compiled SDK runtime and its code cache. */
export class IsolateSandboxFactory implements SandboxFactory {
  private readonly runtime = new RuntimeScript();
  private readonly live = new Set<IsolateSandbox>();
  private created = 0;

  constructor(private readonly limits: IsolateSandboxLimits = { maxPendingTimers: 1000, unresponsiveAfterMs: 500 }) {}

  create(services: SandboxHostServices): PluginSandbox {
    this.created++;
    const sandbox: IsolateSandbox = new IsolateSandbox(this.runtime, services, this.limits, () => this.live.delete(sandbox));
    this.live.add(sandbox);
    return sandbox;
  }

  /** Live isolates (loaded or loading) and how many were ever created. */
  census(): SandboxCensus {
    return { live: this.live.size, created: this.created };
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.dispose()));
    this.runtime.dispose();
  }
}
