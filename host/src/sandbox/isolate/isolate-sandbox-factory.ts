import { IsolateSandbox } from './isolate-sandbox.js';
import type { MemoryEnforcement, PluginSandbox, SandboxFactory, SandboxHostServices } from '../plugin-sandbox.js';
import { IN_ISOLATE_MEMORY_BOUNDS } from '../process/process-memory-cap.js';
import { RuntimeScript } from './runtime-script.js';
import { sandboxLimits, type SandboxLimits } from '../sandbox-limits.js';

/** Counts live isolates, so tests and metrics can assert that nothing was left behind. */
export interface SandboxCensus {
  readonly live: number;
  readonly created: number;
}

/** Options of the in-process isolate factory. */
export interface IsolateSandboxFactoryOptions {
  /** V8 lost control of an isolate: the process should stop serving and be replaced. */
  readonly onCatastrophic?: (message: string, pluginId: string) => void;
}

/** Sandboxes as isolates in this process, sharing one compiled SDK runtime and its code cache. */
export class IsolateSandboxFactory implements SandboxFactory {
  private readonly runtime = new RuntimeScript();
  private readonly live = new Set<IsolateSandbox>();
  private readonly limits: SandboxLimits;
  private created = 0;
  readonly memoryEnforcement: MemoryEnforcement = {
    kernel: 'none',
    kernelLimitMb: null,
    kernelReason: "sandbox.mode 'in-process': isolates share the host's process, which no kernel limit may end",
    processMemoryMb: null,
    inIsolate: IN_ISOLATE_MEMORY_BOUNDS,
  };

  constructor(
    limits: Partial<SandboxLimits> = {},
    private readonly options: IsolateSandboxFactoryOptions = {},
  ) {
    this.limits = sandboxLimits(limits);
  }

  create(services: SandboxHostServices): IsolateSandbox & PluginSandbox {
    this.created++;
    const sandbox: IsolateSandbox = new IsolateSandbox(this.runtime, services, this.limits, {
      onReleased: () => this.live.delete(sandbox),
      onCatastrophic: (message) => this.options.onCatastrophic?.(message, sandbox.plugin),
    });
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
