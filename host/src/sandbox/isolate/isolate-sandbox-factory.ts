import { IsolateSandbox } from './isolate-sandbox.js';
import type { MemoryEnforcement, PluginSandbox, SandboxFactory, SandboxHostServices } from '../plugin-sandbox.js';
import { IN_ISOLATE_MEMORY_BOUNDS } from '../process/process-memory-cap.js';
import { RuntimeScript } from './runtime-script.js';
import { DEFAULT_PLUGIN_MEMORY_MB, sandboxLimits, type SandboxLimits } from '../sandbox-limits.js';
import { SpareIsolate } from './spare-isolate.js';

/** Counts live isolates, so tests and metrics can assert that nothing was left behind. */
export interface SandboxCensus {
  /** Plugin sandboxes' isolates, loaded or loading. */
  readonly live: number;
  /** Plugin sandboxes ever created. */
  readonly created: number;
  /** Isolates made ahead for the next load (0 or 1), which no plugin has used. */
  readonly spare: number;
}

/** Options of the in-process isolate factory. */
export interface IsolateSandboxFactoryOptions {
  /** V8 lost control of an isolate: the process should stop serving and be replaced. */
  readonly onCatastrophic?: (message: string, pluginId: string) => void;
  /**
   * Memory limit of the spare isolate: the host's default per plugin (a load asking another makes its
   * own); default DEFAULT_PLUGIN_MEMORY_MB. null: no spare (a process that serves one load).
   */
  readonly spareMemoryMb?: number | null;
}

/** What a catastrophe in the spare isolate names in place of a plugin id. */
const SPARE_LABEL = '(the spare isolate, no plugin)';

/** Sandboxes as isolates in this process, sharing one compiled SDK runtime and its code cache. */
export class IsolateSandboxFactory implements SandboxFactory {
  private readonly runtime = new RuntimeScript();
  private readonly live = new Set<IsolateSandbox>();
  private readonly limits: SandboxLimits;
  private readonly spare: SpareIsolate | undefined;
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
    const spareMemoryMb = options.spareMemoryMb === undefined ? DEFAULT_PLUGIN_MEMORY_MB : options.spareMemoryMb;
    this.spare =
      spareMemoryMb === null ? undefined : new SpareIsolate(this.runtime, spareMemoryMb, undefined, (message) => this.options.onCatastrophic?.(message, SPARE_LABEL));
  }

  create(services: SandboxHostServices): IsolateSandbox & PluginSandbox {
    this.created++;
    const sandbox: IsolateSandbox = new IsolateSandbox(this.runtime, services, this.limits, {
      onReleased: () => this.live.delete(sandbox),
      onCatastrophic: (message) => this.options.onCatastrophic?.(message, sandbox.plugin),
      isolates: this.spare,
    });
    this.live.add(sandbox);
    return sandbox;
  }

  /** Live isolates (loaded or loading), how many were ever created, and the spare. */
  census(): SandboxCensus {
    return { live: this.live.size, created: this.created, spare: this.spare?.held ?? 0 };
  }

  async dispose(): Promise<void> {
    // The spare first: a load ending during the disposal must not make another.
    this.spare?.dispose();
    await Promise.all([...this.live].map((s) => s.dispose()));
    this.runtime.dispose();
  }
}
